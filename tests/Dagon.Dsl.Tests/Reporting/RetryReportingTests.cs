using System.Text.Json.Nodes;
using Dagon.Dsl.Tests.Running;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;

namespace Dagon.Dsl.Tests.Reporting;

/// <summary>What the summary and the JSON say of retried tasks: attempts, and the kind of failure that made them retry or end.</summary>
public sealed class RetryReportingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-retry-report-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<RunResult> RunAsync()
    {
        var executor = new FakeExecutor(_root);
        var calls = 0;
        // Out of memory on the first attempt, then a success; a plain exit 3 that only out-of-memory would retry.
        executor.Behaviours["Grows"] = (_, _, _) => Task.FromResult(Interlocked.Increment(ref calls) == 1
            ? TaskOutcome.Failed("Slurm job 1 ran out of memory (--mem=64M)", kind: FailureKind.OutOfMemory)
            : TaskOutcome.Success);
        executor.Behaviours["Exits"] = FakeRuns.Fails(3);
        executor.Behaviours["Hangs"] = (_, _, _) => Task.FromResult(TaskOutcome.Failed("timed out after 1 s", kind: FailureKind.Timeout));
        var workflow = Workflow.Create("Retry")
            .BatchTask("Grows", "true", t => t.Retries(2, RetryOn.OutOfMemory))
            .BatchTask("Exits", "false", t => t.Retries(2, RetryOn.OutOfMemory))
            .BatchTask("Hangs", "sleep 9", t => t.Retries(1, RetryOn.Timeout));
        var options = new DagonOptions { StateDir = Path.Combine(_root, "state"), RetryDelaySeconds = 0 };
        var result = await FakeRuns.Runner(executor, options).RunAsync(workflow.Remove(false).Build());
        Assert.Equal(2, calls);
        return result;
    }

    [Fact]
    public async Task TheSummaryNamesAttemptsAndTheKindOfTheLastRetriedFailure()
    {
        var summary = RunSummary.Format(await RunAsync());

        Assert.Contains("Retried: Grows (2 attempts; attempt 1: out-of-memory), Hangs (2 attempts; attempt 1: timeout)", summary, StringComparison.Ordinal);
        Assert.Contains("Task 'Hangs' failed (timeout) after 2 attempts: timed out after 1 s", summary, StringComparison.Ordinal);
        Assert.Contains("Task 'Exits' failed: command exited with code 3", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheJsonGivesEachTaskItsAttemptsAndFailureKinds()
    {
        var tasks = JsonNode.Parse(WorkflowJson.Export(await RunAsync()))!["tasks"]!;

        Assert.Equal(2, (int)tasks["Grows"]!["attempts"]!);
        Assert.Equal("out-of-memory", (string?)tasks["Grows"]!["retried_after"]);
        Assert.Null(tasks["Grows"]!["failure"]);
        Assert.Equal(1, (int)tasks["Exits"]!["attempts"]!);
        Assert.Equal("exit-code", (string?)tasks["Exits"]!["failure"]);
        Assert.Equal(2, (int)tasks["Hangs"]!["attempts"]!);
        Assert.Equal("timeout", (string?)tasks["Hangs"]!["failure"]);
        Assert.Equal("FAILED", (string?)tasks["Hangs"]!["status"]);
    }
}
