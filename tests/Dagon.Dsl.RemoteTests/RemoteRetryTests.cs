using Dagon.Model;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

/// <summary>A remote task whose SSH connection is cut mid-task, retried on a fresh connection only when it allows lost connections.</summary>
[Collection(RemoteNodeCollection.Name)]
public sealed class RemoteRetryTests(RemoteNode node, ITestOutputHelper output)
{
    /// <summary>
    /// Counts its attempts in a file on the node; the first waits to be cut off, a later one finishes at once. The
    /// counter is in the node's own /tmp, which outlasts each attempt's emptied work folder.
    /// </summary>
    private static WorkflowBuilder CutOnce(string tries, Action<Dagon.Model.TaskBuilder> retries) => Workflow.Create("Cut")
        .BatchTask("R", $"echo try >> {tries}; [ $(wc -l < {tries}) -ge 2 ] || sleep 40; echo finished", t =>
        {
            t.OnHost("node");
            retries(t);
        });

    private async Task<Dagon.Execution.RunResult> RunAndCutAsync(Harness harness, string tries, Action<Dagon.Model.TaskBuilder> retries)
    {
        var run = harness.RunAsync(CutOnce(tries, retries));
        await RemoteWorkflowTests.WaitForAsync(() => Tries(tries) == 1, TimeSpan.FromSeconds(30));
        Assert.InRange(node.KillSshSessions(), 1, 100);
        return await run.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private int Tries(string file)
    {
        var (_, text) = node.Ssh($"cat {file} 2>/dev/null | wc -l");
        return int.TryParse(text.Trim(), out var count) ? count : -1;
    }

    [Fact]
    public async Task ACutConnectionIsRetriedOnAFreshConnectionWhenTheTaskRetriesOnLostConnection()
    {
        var tries = $"/tmp/retry-lost-{Guid.NewGuid():N}";
        await using var harness = new Harness(new Dictionary<string, string?>(node.Config()) { ["dagon:retry_delay"] = "0.2" }, output);

        var result = await RunAndCutAsync(harness, tries, t => t.Retries(1, RetryOn.LostConnection));

        Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, harness));
        Assert.Equal(2, result["R"].Timings.Attempts);
        Assert.Equal(FailureKind.LostConnection, result["R"].Timings.LastFailure);
        Assert.Equal(2, Tries(tries));
        Assert.Equal(["finished"], harness.StdoutOf("R"));
        Assert.Contains("[R] Attempt 1 failed (lost-connection: ", harness.Log);
        // The retry came over a new connection of the engine's pool.
        Assert.Contains("was lost; connecting again", harness.Log);
    }

    [Fact]
    public async Task ACutConnectionIsNotRetriedWhenTheTaskRetriesOnlyOnOtherKinds()
    {
        var tries = $"/tmp/retry-lost-{Guid.NewGuid():N}";
        await using var harness = new Harness(new Dictionary<string, string?>(node.Config()) { ["dagon:retry_delay"] = "0.2" }, output);

        var result = await RunAndCutAsync(harness, tries, t => t.Retries(2, RetryOn.Timeout | RetryOn.OutOfMemory));

        var outcome = result["R"].Outcome;
        Assert.Equal(TaskState.Failed, outcome.State);
        Assert.Equal(FailureKind.LostConnection, outcome.Failure);
        Assert.Equal(1, result["R"].Timings.Attempts);
        Assert.Contains("SSH connection to host 'node'", outcome.Reason);
        Assert.Equal(1, Tries(tries));
        Assert.Contains("[R] Not retried: it failed with lost-connection, and it is retried only for timeout, out-of-memory", harness.Log);
    }
}
