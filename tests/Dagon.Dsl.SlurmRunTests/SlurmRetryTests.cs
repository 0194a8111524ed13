using Dagon.Model;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.SlurmRunTests;

/// <summary>
/// A job over its memory on the real Slurm (jobacct_gather/linux with OverMemoryKill: the step is killed within about
/// a second of going over <c>--mem</c>), retried for out of memory with its request grown per attempt; and a job ended
/// at its time limit (TIMEOUT), retried with its limit grown.
/// </summary>
[Collection(SlurmCollection.Name)]
public sealed class SlurmRetryTests(SlurmFixture slurm, ITestOutputHelper output) : SlurmTestBase(slurm, output)
{
    /// <summary>About 150 MB resident (140 MB touched by bytearray, plus Python), held for 4 s so the 1 s accounting poll sees it.</summary>
    private const string NeedsAbout150Mb = "python3 -c 'import time; x = bytearray(140 * 1024 * 1024); time.sleep(4); print(\"held\", len(x))'";

    private async Task<(Dagon.Execution.RunResult Result, Dagon.Dsl.IntegrationTests.TestHost Host)> RunGreedyAsync(bool grow)
    {
        var host = Host(new Dictionary<string, string?>
        {
            ["dagon:state_dir"] = Slurm.Apptainer.NewFolder("state"),
            ["dagon:retry_delay"] = "0.1",
            ["slurm:grow_memory_per_attempt"] = grow ? "true" : "false",
        });
        var result = await RunAsync(Workflow.Create("growing").Remove(false)
            .BatchTask("greedy", NeedsAbout150Mb, t => t.MemoryMb(100).Retries(1, RetryOn.OutOfMemory)), host);
        return (result, host);
    }

    [Fact]
    public async Task AJobOverItsMemoryFailsOutOfMemoryOnceAndSucceedsWithTwiceTheMemory()
    {
        var (result, host) = await RunGreedyAsync(grow: true);

        var greedy = result["greedy"];
        Assert.True(result.Succeeded, Dagon.Reporting.RunSummary.Format(result));
        Assert.Equal(2, greedy.Timings.Attempts);
        Assert.Equal(FailureKind.OutOfMemory, greedy.Timings.LastFailure);
        Assert.Contains(host.Log, l => l.Contains("[greedy] Attempt 1 failed (out-of-memory: Slurm job ", StringComparison.Ordinal)
                                       && l.Contains("ran out of memory (--mem=100M)", StringComparison.Ordinal));
        Assert.Contains(host.Log, l => l.Contains("[greedy] Attempt 2 asks Slurm for --mem=200M", StringComparison.Ordinal));
        // The job script of the attempt that succeeded asked for the doubled memory.
        Assert.Contains("#SBATCH --mem=200M\n", File.ReadAllText(Path.Combine(greedy.Workspace!.Root, "job.sh")), StringComparison.Ordinal);
        Assert.Equal($"held {140 * 1024 * 1024}\n", Stdout(greedy));
    }

    /// <summary>The same job with growing off asks for 100 MB again and fails again: the growth is what made it pass.</summary>
    [Fact]
    public async Task WithGrowingOffTheRetryAsksForTheSameMemoryAndFailsAgain()
    {
        var (result, host) = await RunGreedyAsync(grow: false);

        var greedy = result["greedy"];
        Assert.Equal(TaskState.Failed, greedy.Outcome.State);
        Assert.Equal(FailureKind.OutOfMemory, greedy.Outcome.Failure);
        Assert.Equal(2, greedy.Timings.Attempts);
        Assert.Matches(@"ran out of memory \(--mem=100M\)", greedy.Outcome.Reason);
        Assert.DoesNotContain(host.Log, l => l.Contains("asks Slurm for --mem=", StringComparison.Ordinal));
    }

    /// <summary>
    /// One minute is Slurm's smallest limit and slurmctld notices it on its next sweep, so the first attempt takes 60 to
    /// 90 s. The second finds the mark the first left and, instead of sleeping, asks Slurm what limit its own job got.
    /// </summary>
    [Fact]
    public async Task AJobEndedAtItsTimeLimitIsRetriedWithTwiceTheLimitAndSlurmGrantsIt()
    {
        var mark = Path.Combine(Slurm.Apptainer.NewFolder("mark"), "first-attempt-ran");
        var host = Host(new Dictionary<string, string?>
        {
            ["dagon:state_dir"] = Slurm.Apptainer.NewFolder("state"),
            ["dagon:retry_delay"] = "0.1",
        });
        var command = $"if [ -e {mark} ]; then scontrol show job \"$SLURM_JOB_ID\" | grep -o 'TimeLimit=[0-9:-]*'; exit 0; fi; touch {mark}; sleep 600";

        var result = await RunAsync(Workflow.Create("growing-time").Remove(false)
            .BatchTask("slow", command, t => t.Time("1").Retries(1, RetryOn.Timeout)), host);

        var slow = result["slow"];
        Assert.True(result.Succeeded, Dagon.Reporting.RunSummary.Format(result));
        Assert.Equal(2, slow.Timings.Attempts);
        Assert.Equal(FailureKind.Timeout, slow.Timings.LastFailure);
        Assert.Contains(host.Log, l => l.Contains("[slow] Attempt 1 failed (timeout: Slurm job ", StringComparison.Ordinal)
                                       && l.Contains("reached its time limit (1)", StringComparison.Ordinal));
        Assert.Contains(host.Log, l => l.Contains("[slow] Attempt 2 asks Slurm for --time=00:02:00 (2 x 00:01:00; [slurm] grow_time_per_attempt)",
            StringComparison.Ordinal));
        Assert.Contains("#SBATCH --time=00:02:00\n", File.ReadAllText(Path.Combine(slow.Workspace!.Root, "job.sh")), StringComparison.Ordinal);
        Assert.Equal("TimeLimit=00:02:00\n", Stdout(slow));
    }
}
