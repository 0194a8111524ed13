using System.Diagnostics;
using Dagon.Journal;
using Dagon.Model;

namespace Dagon.Bench;

/// <summary>
/// J1: what the journal costs per recorded task at 10,000 tasks: one transaction each, and grouped as a run commits them.
/// J2: how long <c>--resume</c> takes to decide that a finished run of 1,000 real batch tasks, each with a declared
/// output, is complete (every key computed, every record found, every output's checksum verified).
/// </summary>
internal static class JournalWorkloads
{
    /// <summary>One transaction per record (<paramref name="grouped"/> false), or records queued to a run's group commit.</summary>
    public static TimeSpan RecordPerTask(string scratch, int tasks, bool grouped)
    {
        var path = Path.Combine(scratch, $"journal-{Guid.NewGuid():N}.db");
        using var journal = new TaskJournal(path);
        var outputs = new[] { new RecordedOutput("out/result.txt", 1234, new string('a', 64)) };
        var stopwatch = Stopwatch.StartNew();
        var writer = grouped ? new JournalWriter(journal) : null;
        for (var i = 0; i < tasks; i++)
        {
            var record = new TaskRecord
            {
                Key = $"{i:x64}", RunId = "bench", Task = $"t{i}", State = "succeeded", ExitCode = 0,
                Started = DateTimeOffset.UtcNow, Ended = DateTimeOffset.UtcNow, Workspace = $"/scratch/dagon-bench/t{i}", Outputs = outputs,
            };
            if (writer is null) journal.Record(record);
            else writer.Add(record);
        }

        writer?.Dispose(); // every record committed
        return stopwatch.Elapsed / tasks;
    }

    public static async Task<(TimeSpan First, TimeSpan Resume)> ResumeComplete(string scratch, int tasks)
    {
        var state = Path.Combine(scratch, $"state-{Guid.NewGuid():N}");
        var tmp = Path.Combine(scratch, $"tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        var first = await Run(tasks, state, tmp, resume: false);
        var resumed = await Run(tasks, state, tmp, resume: true);
        return (first, resumed);
    }

    private static async Task<TimeSpan> Run(int tasks, string state, string tmp, bool resume)
    {
        var workflow = Workflow.Create("J2").Remove(false);
        for (var i = 0; i < tasks; i++) workflow.BatchTask($"t{i}", $"echo {i} > out.txt", t => t.Outputs("out.txt"));
        var settings = new Dictionary<string, string?>
        {
            ["dagon:tmp_dir"] = tmp, ["dagon:state_dir"] = state, ["dagon:max_parallelism"] = "2", ["dagon:resume"] = resume ? "true" : "false",
        };
        var (elapsed, result) = await Workloads.TimedRun(workflow.Build(), settings);
        if (!result.Succeeded) throw new InvalidOperationException("J2 failed");
        if (resume && result.Tasks.Any(t => t.Timings.ReusedFrom is null)) throw new InvalidOperationException("J2: --resume ran a finished task");
        return elapsed;
    }
}
