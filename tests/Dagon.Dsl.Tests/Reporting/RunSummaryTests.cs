using Dagon.Dsl.Tests.Running;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;

namespace Dagon.Dsl.Tests.Reporting;

public sealed class RunSummaryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-summary-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>9,990 tasks that succeed, 5 that fail with exit code 7, and one task after each failure that is skipped.</summary>
    private async Task<RunResult> TenThousandTasks()
    {
        var workflow = Workflow.Create("Large");
        for (var i = 0; i < 9_990; i++) workflow.BatchTask($"ok{i:D4}", "true");
        var executor = new FakeExecutor(_root);
        for (var i = 0; i < 5; i++)
        {
            workflow.BatchTask($"broken{i}", "false").BatchTask($"after{i}", "true", t => t.DependsOn($"broken{i}"));
            executor.Behaviours[$"broken{i}"] = FakeRuns.Fails(7);
        }

        return await FakeRuns.Runner(executor, new DagonOptions { MaxParallelism = 8 }).RunAsync(workflow.Remove(false).Build());
    }

    [Fact]
    public async Task TenThousandTasksAreCountedPerStateWithEveryFailureInFull()
    {
        var result = await TenThousandTasks();

        var summary = RunSummary.Format(result);
        var lines = summary.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(lines.Length, 10, 30);
        Assert.Contains("10000 tasks (one row per task: see --report or --trace)", summary);
        Assert.Contains(lines, l => l.StartsWith("  succeeded     9990  task time", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  failed           5  task time", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  skipped          5  task time", StringComparison.Ordinal));
        // Each failure in full: its reason, where its log is kept, and the tail of its stderr.
        for (var i = 0; i < 5; i++)
        {
            Assert.Matches($"Task 'broken{i}' failed: command exited with code 7( \\(log: [^)]*\\))?\n    it broke", summary.ReplaceLineEndings("\n"));
        }
        Assert.Contains("Skipped (not run): after0, after1, after2, after3, after4", summary);
        Assert.DoesNotContain("ok0001", summary);
    }

    [Fact]
    public async Task SmallRunsKeepTheFullTable()
    {
        var executor = new FakeExecutor(_root);
        FakeRuns.FailB(executor);
        var result = await FakeRuns.Runner(executor, new DagonOptions()).RunAsync(FakeRuns.Dataflow().Build());

        var summary = RunSummary.Format(result);

        Assert.Matches(@"(?m)^task\s+state\s+image\s+overlay\s+staging\s+exec\s+total", summary);
        Assert.Matches(@"(?m)^D     skipped  ", summary);
        Assert.DoesNotContain("see --report", summary);
    }

    [Fact]
    public void ManySkippedTasksAreNamedUpToALimitAndCounted()
    {
        var workflow = Workflow.Create("Skips");
        for (var i = 0; i < 60; i++) workflow.BatchTask($"s{i:D2}", "true");
        var plan = ExecutionPlan.Create([workflow.Build()]);
        var result = new RunResult
        {
            Plan = plan,
            Tasks = plan.Tasks.Select(t => new TaskResult(t, TaskOutcome.Skipped("x"), null, new TaskTimings())).ToList(),
            WallTime = TimeSpan.FromSeconds(1),
        };

        var summary = RunSummary.Format(result);

        Assert.Contains("s18, s19 and 40 more", summary);
        Assert.DoesNotContain("s20", summary);
    }
}
