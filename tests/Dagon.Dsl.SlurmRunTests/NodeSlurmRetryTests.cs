using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.SlurmRunTests;

/// <summary>A job whose node fails under it (the administrator takes the node down) on the remote node's real Slurm 26.05.</summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeSlurmRetryTests(NodeCluster node, ITestOutputHelper output) : IDisposable
{
    private readonly List<NodeHost> _hosts = [];

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    /// <summary>
    /// Taking the node DOWN ends its running job as NODE_FAIL (with <c>--no-requeue</c>; otherwise Slurm requeues the
    /// job itself). The retry waits in the queue until the node is resumed, then runs and finishes.
    /// </summary>
    [Fact]
    public async Task AJobWhoseNodeFailsIsRetriedForNodeFailureOnceTheNodeIsBack()
    {
        var tries = $"/tmp/nodefail-{Guid.NewGuid():N}";
        var host = new NodeHost(new Dictionary<string, string?>(node.Config(node.Apptainer.NewFolder("tmp"))) { ["dagon:retry_delay"] = "0.1" }, output);
        _hosts.Add(host);
        var nodeName = node.NodeExec("sinfo", "-h", "-N", "-o", "%N").Output.Trim();
        var run = host.RunAsync(Workflow.Create("nodefail").Remove(false).BatchTask("R",
            $"echo try >> {tries}; [ $(wc -l < {tries}) -ge 2 ] || sleep 120; echo finished",
            t => t.OnHost(NodeCluster.Profile).SlurmOptions("--no-requeue").Retries(1, RetryOn.NodeFailure)));
        try
        {
            await WaitForAsync(() => host.Log.Any(l => l.Contains("[R] Slurm job", StringComparison.Ordinal) && l.Contains(" is running", StringComparison.Ordinal)));
            var down = node.NodeExec("scontrol", "update", $"NodeName={nodeName}", "State=DOWN", "Reason=dagon-retry-test");
            Assert.True(down.Code == 0, down.Output);
            await WaitForAsync(() => host.Log.Any(l => l.Contains("[R] Attempt 1 failed (node-failure: ", StringComparison.Ordinal)));
        }
        finally
        {
            node.NodeExec("scontrol", "update", $"NodeName={nodeName}", "State=RESUME");
        }

        var result = await run.WaitAsync(TimeSpan.FromSeconds(120));
        output.WriteLine(RunSummary.Format(result));
        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal(2, result["R"].Timings.Attempts);
        Assert.Equal(FailureKind.NodeFailure, result["R"].Timings.LastFailure);
        Assert.Contains(host.Log, l => l.Contains("(NODE_FAIL)", StringComparison.Ordinal));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var limit = DateTime.UtcNow.AddSeconds(90);
        while (!condition())
        {
            if (DateTime.UtcNow > limit) throw new TimeoutException("condition not met within 90 s");
            await Task.Delay(200);
        }
    }
}
