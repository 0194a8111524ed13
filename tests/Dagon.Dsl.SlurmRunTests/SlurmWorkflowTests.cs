using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.SlurmRunTests;

/// <summary>Workflows whose tasks are real Slurm jobs on this machine: containers, batch tasks, failures, preflight.</summary>
[Collection(SlurmCollection.Name)]
public sealed class SlurmWorkflowTests(SlurmFixture slurm, ITestOutputHelper output) : SlurmTestBase(slurm, output)
{
    [Fact]
    public async Task DataflowDemoRunsAsSlurmJobsAndDShowsTheLineOfATwice()
    {
        var host = Host();
        var result = await RunAsync(Busybox("DataFlow-Demo-Slurm")
            .Task("A", "mkdir -p output && hostname > output/f1.txt")
            .Task("B", "echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt")
            .Task("C", "echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt")
            .Task("D", "cat workflow:///B/f2.txt >> f3.txt && cat workflow:///C/f2.txt >> f3.txt && cat f3.txt"), host);

        Assert.True(result.Succeeded, RunSummary.Format(result));
        var line = File.ReadAllText(Path.Combine(result["A"].Workspace!.WorkDir, "output", "f1.txt")).Trim();
        Assert.Equal(2, Stdout(result["D"]).Split('\n').Count(l => l == line));
        // A and D alone; B and C became ready together with equal requests, so they went to Slurm as one array.
        Assert.Contains(host.Log, l => l.StartsWith("[A] Submitted Slurm job ", StringComparison.Ordinal));
        Assert.Contains(host.Log, l => l.StartsWith("[D] Submitted Slurm job ", StringComparison.Ordinal));
        Assert.Contains(host.Log, l => l.StartsWith("Submitted Slurm job array ", StringComparison.Ordinal) && l.EndsWith("(B ... C)", StringComparison.Ordinal));
        Assert.Equal(3, Calls(host).Sbatch);
        Assert.Equal(0, await QueuedAsync(result));
    }

    [Fact]
    public async Task MixedWorkflowRunsADirectBatchTaskContainerJobsAndABatchJob()
    {
        var host = Host();
        var result = await RunAsync(Busybox("mixed")
            .BatchTask("prepare", "echo direct-$$ > seed.txt", t => t.Scheduler(Scheduler.Direct))
            .Task("left", "cat workflow:///prepare/seed.txt > left.txt && echo container >> left.txt")
            .Task("right", t => t.Command("cat workflow:///prepare/seed.txt > right.txt").Cpus(1).MemoryMb(256))
            .BatchTask("join", "cat workflow:///left/left.txt workflow:///right/right.txt; echo job=$SLURM_JOB_ID", t => t.Time("5")), host);

        Assert.True(result.Succeeded, RunSummary.Format(result));
        var lines = Stdout(result["join"]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("direct-", lines[0]);
        Assert.Equal(["container", lines[0]], lines[1..3]);
        Assert.Matches(@"^job=\d+$", lines[3]);
        Assert.DoesNotContain(host.Log, l => l.StartsWith("[prepare] Submitted", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(result["prepare"].Workspace!.Root, "job.sh")));
    }

    [Fact]
    public async Task ExitThreeInAJobFailsTheRunAndSkipsItsDependents()
    {
        var result = await RunAsync(Workflow.Create("exit3").Remove(false)
            .BatchTask("fails", "echo about to fail >&2; exit 3")
            .BatchTask("after", "cat workflow:///fails/nothing.txt")
            .BatchTask("independent", "true"));

        Assert.False(result.Succeeded);
        var failed = result["fails"].Outcome;
        Assert.Equal(TaskState.Failed, failed.State);
        Assert.Equal(3, failed.ExitCode);
        Assert.Matches(@"^command exited with code 3 \(Slurm job \d+(_\d+)?\)$", failed.Reason);
        Assert.Contains("about to fail", failed.ErrorTail!);
        Assert.Equal(TaskState.Skipped, result["after"].Outcome.State);
        Assert.Equal(TaskState.Succeeded, result["independent"].Outcome.State);
    }

    [Fact]
    public async Task NonexistentPartitionFailsInPreflightNamingTaskAndPartition()
    {
        var host = Host();
        var result = await RunAsync(Workflow.Create("nopartition")
            .BatchTask("ok", "true")
            .BatchTask("lost", "true", t => t.Partition("no-such-partition")), host);

        Assert.False(result.Succeeded);
        Assert.StartsWith("Task 'lost' could not be prepared: partition 'no-such-partition' of task 'lost' does not exist on this machine (partitions: ",
            result.SetupError);
        Assert.Equal(TaskState.Skipped, result["ok"].Outcome.State);
        Assert.DoesNotContain(host.Log, l => l.Contains("Submitted Slurm job", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RequestLargerThanThePartitionFailsInPreflight()
    {
        var result = await RunAsync(Workflow.Create("toobig").BatchTask("big", "true", t => t.Cpus(4096)));

        Assert.Contains($"task 'big' does not fit partition '{Slurm.Partitions[0]}' on this machine: it asks for 4096 CPUs", result.SetupError);
    }
}
