using Dagon.Model;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.SlurmRunTests;

/// <summary>Jobs that Slurm itself stops: at their time limit, and over their memory.</summary>
[Collection(SlurmCollection.Name)]
public sealed class SlurmLimitTests(SlurmFixture slurm, ITestOutputHelper output) : SlurmTestBase(slurm, output)
{
    /// <summary>One minute is Slurm's smallest limit; slurmctld notices it on its next sweep (up to 30 s later).</summary>
    [Fact]
    public async Task AJobKilledByItsTimeLimitFailsWithTheLimitAsReason()
    {
        var result = await RunAsync(Workflow.Create("timelimit").Remove(false).BatchTask("slow", "sleep 600", t => t.Time("1")));

        var outcome = result["slow"].Outcome;
        Assert.Equal(TaskState.Failed, outcome.State);
        Assert.Matches(@"^Slurm job \d+ reached its time limit \(1\) and was killed by Slurm \(TIMEOUT\)$", outcome.Reason);
        Assert.Contains(outcome.ErrorTail!, l => l.Contains("DUE TO TIME LIMIT", StringComparison.Ordinal));
    }

    /// <summary>
    /// This Slurm (jobacct_gather/linux with OverMemoryKill, task/none) kills the step and reports the job as FAILED with
    /// exit code 0:9, not OUT_OF_MEMORY; the step's "exceeded memory limit" message in stderr tells the two apart.
    /// </summary>
    [Fact]
    public async Task AJobOverItsMemoryIsReportedAsOutOfMemory()
    {
        var result = await RunAsync(Workflow.Create("memory").Remove(false)
            .BatchTask("greedy", "python3 -c 'import time; x = bytearray(600 * 1024 * 1024); time.sleep(5)'", t => t.MemoryMb(100)));

        var outcome = result["greedy"].Outcome;
        Assert.Equal(TaskState.Failed, outcome.State);
        Assert.Matches(@"^Slurm job \d+ ran out of memory \(--mem=100M\) and was killed by Slurm \((FAILED|OUT_OF_MEMORY)\)$", outcome.Reason);
        Assert.Contains(outcome.ErrorTail!, l => l.Contains("memory limit", StringComparison.OrdinalIgnoreCase));
        Output.WriteLine($"Slurm reported: {outcome.Reason}");
    }
}
