using System.Text.RegularExpressions;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.SlurmRunTests;

/// <summary>
/// Workflows whose tasks run on host "cluster" (<c>scheduler = slurm</c> in its profile): jobs submitted over SSH to the
/// remote test node's real Slurm 26.05, with files staged over SFTP.
/// </summary>
[Collection(NodeClusterCollection.Name)]
public sealed partial class NodeSlurmWorkflowTests(NodeCluster node, ITestOutputHelper output) : IDisposable
{
    private readonly List<NodeHost> _hosts = [];

    private NodeHost Host()
    {
        var host = new NodeHost(node.Config(node.Apptainer.NewFolder("tmp")), output);
        _hosts.Add(host);
        return host;
    }

    private async Task<RunResult> RunAsync(NodeHost host, WorkflowBuilder workflow)
    {
        var result = await host.RunAsync(workflow);
        output.WriteLine(RunSummary.Format(result));
        return result;
    }

    /// <summary>A file of a kept workspace on the node, line by line.</summary>
    private string[] NodeLines(string path)
    {
        var (code, text) = node.Ssh($"cat '{path}'");
        Assert.True(code == 0, $"cat {path} on the node: {text}");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// The run's jobs (array elements apart) as the node's Slurm lists them (squeue -t all keeps ended jobs for
    /// MinJobAge): id, name without the run's prefix, and state.
    /// </summary>
    private List<(string Id, string Name, string State)> NodeJobs(RunResult result)
    {
        var (code, text) = node.Ssh("squeue -h -r -t all -o '%i %j %T'");
        Assert.True(code == 0, $"squeue on the node: {text}");
        var prefix = $"dagon-{result.Plan.RunId}-";
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p[1].StartsWith(prefix, StringComparison.Ordinal))
            .Select(p => (p[0], p[1][prefix.Length..], p[2])).ToList();
    }

    /// <summary>The counts the run logged for the host: "Slurm on host 'cluster': N sbatch calls, ...".</summary>
    private static int SbatchCalls(NodeHost host)
    {
        var line = host.Log.Last(l => l.StartsWith($"Slurm on host '{NodeCluster.Profile}':", StringComparison.Ordinal));
        return int.Parse(CallsPattern().Match(line).Groups[1].Value);
    }

    [Fact]
    public async Task DataflowDemoOnTheClusterHostRunsAsSlurmJobsOverSshAndDShowsTheNodesHostNameTwice()
    {
        var host = Host();
        var result = await RunAsync(host, Workflow.Create("DataFlow-Demo-Slurm-Ssh").DefaultImage(node.Apptainer.BusyboxSif).Remove(false)
            .Task("A", t => t.Command("mkdir -p output && hostname > output/f1.txt").OnHost(NodeCluster.Profile))
            .Task("B", t => t.Command("echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt").OnHost(NodeCluster.Profile))
            .Task("C", t => t.Command("echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt").OnHost(NodeCluster.Profile))
            .Task("D", t => t.Command("cat workflow:///B/f2.txt >> f3.txt && cat workflow:///C/f2.txt >> f3.txt && cat f3.txt").OnHost(NodeCluster.Profile)));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        var d = NodeLines(result["D"].Workspace!.StdoutPath);
        Assert.Equal(4, d.Length);
        Assert.Equal(2, d.Count(l => l == node.HostName));
        Assert.Contains(host.Log, l => l.StartsWith("[A] Submitted Slurm job ", StringComparison.Ordinal) && l.EndsWith($"on host '{NodeCluster.Profile}'", StringComparison.Ordinal));
        Assert.Contains(host.Log, l => l.StartsWith("[D] Submitted Slurm job ", StringComparison.Ordinal) && l.EndsWith($"on host '{NodeCluster.Profile}'", StringComparison.Ordinal));
        // A, D, and B and C alone or (ready together with equal requests) as one array.
        Assert.InRange(SbatchCalls(host), 3, 4);
        // The node's own Slurm ran the four tasks as jobs of this run (B and C perhaps as the elements of one array), one
        // submission each as the engine counted, and they all completed.
        var jobs = NodeJobs(result);
        Assert.Equal(4, jobs.Count);
        Assert.Contains(jobs, j => j.Name == "A");
        Assert.Contains(jobs, j => j.Name == "D");
        Assert.Equal(SbatchCalls(host), jobs.Select(j => j.Id.Split('_')[0]).Distinct().Count());
        Assert.All(jobs, j => Assert.Equal("COMPLETED", j.State));
    }

    [Fact]
    public async Task MixedWorkflowRunsADirectTaskHereAContainerJobAndABatchJobOnTheCluster()
    {
        var host = Host();
        var result = await RunAsync(host, Workflow.Create("mixed-ssh").Remove(false)
            .BatchTask("prepare", "echo direct-$(hostname) > seed.txt")
            .Task("left", t => t.Command("cat workflow:///prepare/seed.txt > left.txt && echo container >> left.txt")
                .Image(node.Apptainer.BusyboxSif).OnHost(NodeCluster.Profile))
            .BatchTask("join", "cat workflow:///left/left.txt; echo job=$SLURM_JOB_ID; hostname", t => t.OnHost(NodeCluster.Profile).Time("5")));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal(
            [$"direct-{System.Net.Dns.GetHostName()}", "container"],
            NodeLines(Path.Combine(result["left"].Workspace!.WorkDir, "left.txt")));
        var lines = NodeLines(result["join"].Workspace!.StdoutPath);
        Assert.Equal(4, lines.Length);
        Assert.Equal([$"direct-{System.Net.Dns.GetHostName()}", "container"], lines[..2]);
        Assert.Matches(@"^job=\d+$", lines[2]);
        Assert.Equal(node.HostName, lines[3]);
        Assert.DoesNotContain(host.Log, l => l.StartsWith("[prepare] Submitted", StringComparison.Ordinal));
        Assert.Contains($"Copying workflow:///prepare/seed.txt from prepare to left (this machine -> host '{NodeCluster.Profile}', SFTP)", host.Log);
        Assert.Equal(2, SbatchCalls(host));
        Assert.Equal([("join", "COMPLETED"), ("left", "COMPLETED")], NodeJobs(result).Select(j => (j.Name, j.State)).Order());
    }

    [Fact]
    public async Task ExitThreeInAJobOnTheClusterFailsTheRunAndSkipsItsDependent()
    {
        var host = Host();
        var result = await RunAsync(host, Workflow.Create("exit3-ssh").Remove(false)
            .BatchTask("fails", "echo about to fail >&2; exit 3", t => t.OnHost(NodeCluster.Profile))
            .BatchTask("after", "cat workflow:///fails/nothing.txt", t => t.OnHost(NodeCluster.Profile)));

        Assert.False(result.Succeeded);
        var failed = result["fails"].Outcome;
        Assert.Equal(TaskState.Failed, failed.State);
        Assert.Equal(3, failed.ExitCode);
        Assert.Matches($@"^command exited with code 3 \(Slurm job \d+ on host '{NodeCluster.Profile}'\)$", failed.Reason);
        Assert.Contains("about to fail", failed.ErrorTail!);
        Assert.Equal(TaskState.Skipped, result["after"].Outcome.State);
        Assert.Equal(1, SbatchCalls(host));
        Assert.Equal([("fails", "FAILED")], NodeJobs(result).Select(j => (j.Name, j.State)));
    }

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    [GeneratedRegex(@"(\d+) sbatch calls, (\d+) status calls, (\d+) scancel calls")]
    private static partial Regex CallsPattern();
}
