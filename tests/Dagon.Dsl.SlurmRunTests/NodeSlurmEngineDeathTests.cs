using System.Diagnostics;
using Dagon.Dsl.IntegrationTests;
using Dagon.Model;
using Xunit.Abstractions;

namespace Dagon.Dsl.SlurmRunTests;

/// <summary>
/// The job keeper on the node's Slurm 26.05, reached over SSH: a real engine SIGKILLed while its job runs on host
/// "cluster" leaves no job of its run there (the remote side sees the engine's SSH channel close and stops the
/// keeper, whose trap cancels the jobs); a normal end leaves no keeper on the node.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed class NodeSlurmEngineDeathTests(NodeCluster node, ITestOutputHelper output)
{
    [Fact]
    public async Task The_job_of_a_SIGKILLed_engine_on_the_cluster_host_is_cancelled_within_seconds()
    {
        var marker = SlurmEngineDeathTests.UniqueMarker();
        var arguments = node.Config(node.Apptainer.NewFolder("tmp")).Select(s => $"--{s.Key}={s.Value}").Append("--progress=plain").ToArray();
        using var engine = EngineProcess.Start(new Dictionary<string, string>
        {
            ["DAGON_TEST_MODE"] = "slurm", ["DAGON_TEST_MARKER"] = marker, ["DAGON_TEST_HOST"] = NodeCluster.Profile,
        }, arguments);
        var runId = await SlurmEngineDeathTests.RunIdOnceSubmittedAsync(engine);
        var prefix = SlurmEngineDeathTests.KeeperMark(runId);
        await SlurmEngineDeathTests.WaitUntilAsync(() => Task.FromResult(NodeProcesses($"sleep {marker}5") > 0), TimeSpan.FromSeconds(60),
            "the job's sleep to run on the node");
        Assert.Equal(1, NodeQueued(prefix));
        Assert.True(NodeProcesses(prefix) > 0, "the keeper runs on the node");

        engine.Process.Kill(); // SIGKILL: the engine itself cleans nothing up
        await engine.Process.WaitForExitAsync();
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await SlurmEngineDeathTests.WaitUntilAsync(() => Task.FromResult(NodeQueued(prefix) == 0 && NodeProcesses($"sleep {marker}5") == 0),
                SlurmEngineDeathTests.Allowed, "the node's squeue to list no job of the killed engine's run and its sleep to be gone");
        }
        finally
        {
            output.WriteLine(engine.Output);
            // Should the test fail, nothing of it stays on the node for the next tests.
            node.Ssh($"scancel --me --name={prefix}Sleeper; pkill -TERM -f -- '{PgrepPattern(prefix)}'");
        }

        output.WriteLine($"the node's queue was clear {stopwatch.Elapsed.TotalSeconds:F2} s after the SIGKILL");
        Assert.Equal(0, NodeProcesses(prefix));
    }

    [Fact]
    public async Task A_normal_end_on_the_cluster_host_leaves_no_keeper_on_the_node_and_cancels_nothing()
    {
        using var host = new NodeHost(node.Config(node.Apptainer.NewFolder("tmp")), output);
        var result = await host.RunAsync(Workflow.Create("KeeperEndsOnNode").Remove(false)
            .BatchTask("Look", "pgrep -af 'dagon-slurm-keepe[r]' || true", t => t.OnHost(NodeCluster.Profile)));

        Assert.True(result.Succeeded);
        var prefix = SlurmEngineDeathTests.KeeperMark(result.Plan.RunId);
        var (code, seen) = node.Ssh($"cat '{result["Look"].Workspace!.StdoutPath}'");
        Assert.True(code == 0, seen);
        Assert.Contains(seen.Split('\n'), l => l.TrimEnd().EndsWith(prefix, StringComparison.Ordinal));
        Assert.Equal(0, NodeProcesses(prefix));
        Assert.Contains(host.Log, l => l.StartsWith($"Slurm on host '{NodeCluster.Profile}':", StringComparison.Ordinal) && l.EndsWith(" 0 scancel calls", StringComparison.Ordinal));
        var (_, states) = node.Ssh("squeue -h -t all -o '%j %T'");
        Assert.Contains($"{prefix}Look COMPLETED", states.Split('\n').Select(l => l.Trim()));
    }

    /// <summary>Processes on the node whose command line contains <paramref name="fragment"/> (pgrep itself and this ssh command excepted).</summary>
    private int NodeProcesses(string fragment)
    {
        var (_, text) = node.Ssh($"pgrep -f -- '{PgrepPattern(fragment)}' | wc -l");
        return int.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The fragment with its last character in brackets, so the pattern does not find the shell that carries it.</summary>
    private static string PgrepPattern(string fragment) => fragment[..^1] + "[" + fragment[^1] + "]";

    /// <summary>How many jobs whose name starts with <paramref name="prefix"/> the node's squeue lists (pending, running, completing).</summary>
    private int NodeQueued(string prefix)
    {
        var (code, text) = node.Ssh("squeue -h -o '%j'");
        Assert.True(code == 0, $"squeue on the node: {text}");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(n => n.Trim().StartsWith(prefix, StringComparison.Ordinal));
    }
}
