using System.Diagnostics;
using Dagon.Dsl.IntegrationTests;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.SlurmRunTests;

/// <summary>How many times a run asks Slurm, how fast a cancelled run clears the queue, and what the engine adds per job.</summary>
[Collection(SlurmCollection.Name)]
public sealed class SlurmScaleTests(SlurmFixture slurm, ITestOutputHelper output) : SlurmTestBase(slurm, output)
{
    private const int FanOut = 200;

    [Fact]
    public async Task TwoHundredTaskFanOutIsAHandfulOfSbatchCallsAndOneStatusCallPerInterval()
    {
        var host = Host(new() { ["dagon:max_parallelism"] = "2", ["slurm:poll_interval_seconds"] = "1", ["slurm:max_poll_interval_seconds"] = "1" });
        var workflow = Workflow.Create("fanout").Remove(false).BatchTask("start", "echo seed > seed.txt");
        for (var i = 0; i < FanOut; i++) workflow.BatchTask($"t{i:000}", $"cat workflow:///start/seed.txt > out.txt && echo {i} >> out.txt");
        workflow.BatchTask("join", string.Join(" ", Enumerable.Range(0, FanOut).Select(i => $"workflow:///t{i:000}/out.txt")) is var files
            ? $"cat {files} | wc -l" : "");

        var clock = Stopwatch.StartNew();
        var result = await RunAsync(workflow, host);
        clock.Stop();

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal((FanOut * 2).ToString(), Stdout(result["join"]).Trim());
        var (sbatch, status, _) = Calls(host);
        Output.WriteLine($"{FanOut + 2} tasks: {sbatch} sbatch calls, {status} status calls in {clock.Elapsed.TotalSeconds:F1} s");
        // start, the fan-out (one array, or a few if the 200 became ready across windows), join.
        Assert.InRange(sbatch, 3, 6);
        // One squeue per interval at most (1 s here), whatever the number of jobs.
        Assert.InRange(status, 1, (int)Math.Ceiling(clock.Elapsed.TotalSeconds) + 1);
    }

    [Fact]
    public async Task CancellationScancelsEveryJobAndLeavesNothingInTheQueue()
    {
        var host = Host();
        var workflow = Workflow.Create("cancel");
        for (var i = 0; i < 6; i++) workflow.BatchTask($"sleep{i}", "sleep 600", t => t.Cpus(1));
        using var cancellation = new CancellationTokenSource();
        var run = RunAsync(workflow, host, cancellation.Token);
        while (host.Log.Count(l => l.Contains("Submitted Slurm job", StringComparison.Ordinal)) == 0 && !run.IsCompleted) await Task.Delay(100);
        var runId = host.Log.First(l => l.StartsWith("Starting workflow cancel", StringComparison.Ordinal)).Split("run ")[1].Split(',')[0];
        Assert.True(await SlurmFixture.QueuedAsync($"dagon-{runId}-") > 0, "the jobs never reached the queue");

        var clock = Stopwatch.StartNew();
        cancellation.Cancel();
        var result = await run;
        clock.Stop();

        Assert.True(result.Cancelled);
        Assert.All(result.Tasks, t => Assert.Equal(TaskState.Cancelled, t.Outcome.State));
        Assert.Equal(0, await QueuedAsync(result));
        Assert.Equal(1, Calls(host).Scancel);
        Output.WriteLine($"cancellation to an empty queue: {clock.Elapsed.TotalSeconds:F2} s");
    }

    /// <summary>A measurement, not a limit: the same one-line job through the engine and through a bare <c>sbatch --wait</c>.</summary>
    [Fact]
    public async Task EngineOverheadPerTaskAgainstABareSbatchWait()
    {
        var folder = Slurm.Apptainer.NewFolder("bare");
        var script = Path.Combine(folder, "job.sh");
        await File.WriteAllTextAsync(script, $"#!/bin/sh\n#SBATCH --output={folder}/out.log\n#SBATCH --chdir={folder}\nexec /bin/sh -c true\n");
        var bare = Stopwatch.StartNew();
        await ApptainerFixture.Run("sbatch", "--wait", "--parsable", script);
        bare.Stop();

        var host = Host(new() { ["slurm:poll_interval_seconds"] = "0.25", ["slurm:max_poll_interval_seconds"] = "0.25" });
        var engine = Stopwatch.StartNew();
        var result = await RunAsync(Workflow.Create("overhead").BatchTask("one", "true"), host);
        engine.Stop();

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Output.WriteLine($"bare sbatch --wait: {bare.Elapsed.TotalSeconds:F2} s; engine: {engine.Elapsed.TotalSeconds:F2} s " +
                         $"(task {result["one"].Timings.Total.TotalSeconds:F2} s); overhead {(engine.Elapsed - bare.Elapsed).TotalSeconds:F2} s");
    }
}
