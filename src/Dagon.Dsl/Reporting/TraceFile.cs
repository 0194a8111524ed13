using System.Globalization;
using System.Text;
using Dagon.Execution;
using Dagon.Observing;

namespace Dagon.Reporting;

/// <summary>
/// <c>--trace FILE</c>: one tab-separated row per task attempt, written as tasks end, so a trace of a long run can be
/// read while it runs. Tasks that never started (their place failed, a dependency failed) get a row at the end with
/// empty times, so every task of the plan appears once.
/// </summary>
public sealed class TraceFile(string path) : IRunObserver
{
    public static readonly string[] Columns =
    [
        "task", "hash", "host", "status", "exit", "attempt", "submit", "start", "end",
        "image_s", "overlay_s", "staging_s", "execution_s", "total_s", "peak_memory_bytes",
    ];

    private readonly Lock _gate = new();
    private StreamWriter? _writer;
    private bool[] _written = [];

    public void RunStarted(RunStart run)
    {
        lock (_gate)
        {
            _writer?.Dispose();
            _writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
            _written = new bool[run.Plan.Tasks.Count];
            _writer.Write(string.Join('\t', Columns) + "\n");
        }
    }

    public void TaskStarted(TaskStart task)
    {
    }

    public void TaskFinished(TaskAttempt attempt)
    {
        var row = Row(attempt);
        lock (_gate)
        {
            if (_writer is null) return;
            _writer.Write(row);
            _written[attempt.Task.Index] = true;
        }
    }

    public void RunFinished(RunResult result)
    {
        lock (_gate)
        {
            if (_writer is null) return;
            foreach (var task in result.Tasks.Where(t => !_written[t.Task.Index]))
            {
                _writer.Write(Row(new TaskAttempt(task.Task, "", task.Outcome, task.Timings)));
            }

            _writer.Dispose();
            _writer = null;
        }
    }

    public static string Row(TaskAttempt attempt)
    {
        var t = attempt.Timings;
        string[] cells =
        [
            Clean(attempt.Task.DisplayName), TaskFingerprint.Of(attempt.Task.Definition), Clean(attempt.Host),
            attempt.Outcome.State.ToString().ToLowerInvariant(), attempt.Outcome.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "",
            attempt.Attempt.ToString(CultureInfo.InvariantCulture), Time(t.Submitted), Time(t.Started), Time(t.Ended),
            Seconds(t.ImagePreparation), Seconds(t.Overlay), Seconds(t.Staging), Seconds(t.Execution), Seconds(t.Total),
            attempt.PeakMemoryBytes?.ToString(CultureInfo.InvariantCulture) ?? "",
        ];
        return string.Join('\t', cells) + "\n";
    }

    /// <summary>ISO 8601 in UTC with milliseconds: sorts as text and parses everywhere.</summary>
    public static string Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) ?? "";

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture);

    // A tab or line break inside a name would shift every later column.
    private static string Clean(string text) => text.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}
