using Dagon.Model;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

/// <summary>--dry-run against the real node: reached over SSH with its key checked, Apptainer and bind sources looked for there, nothing run or built.</summary>
[Collection(RemoteNodeCollection.Name)]
public sealed class RemotePreflightTests(RemoteNode node, ITestOutputHelper output)
{
    private WorkflowBuilder OneRemoteTask(Action<TaskBuilder>? configure = null) =>
        Workflow.Create("Preflight").DefaultImage(node.NodeDefinition)
            .Task("R", t =>
            {
                t.Command("echo hello").OnHost("node").NoOverlay();
                configure?.Invoke(t);
            });

    private async Task<Dagon.Execution.PreflightReport> CheckAsync(Harness harness, WorkflowBuilder workflow)
    {
        var report = await harness.PreflightAsync(workflow);
        output.WriteLine(report.Format(1));
        Assert.Equal(0, harness.RemoteImages.BuildCount);
        Assert.Equal(0, harness.RemoteImages.UploadCount);
        return report;
    }

    [Fact]
    public async Task A_dry_run_reaches_the_node_finds_Apptainer_there_and_builds_nothing()
    {
        await using var harness = new Harness(node.Config(), output);

        var report = await CheckAsync(harness, OneRemoteTask(t => t.Bind("/tmp:/data:ro")));

        output.WriteLine(report.Format(1));
        Assert.True(report.CouldRun, report.Format(1));
        Assert.Contains("host 'node': Apptainer at ", report.Format(1));
        Assert.Contains("'/tmp' exists on host 'node'", report.Format(1));
    }

    [Fact]
    public async Task A_dry_run_with_an_untrusted_host_key_fails_naming_it()
    {
        var empty = Path.Combine(node.Scratch, "preflight_empty_known_hosts");
        await File.WriteAllTextAsync(empty, "");
        await using var harness = new Harness(node.Config(knownHosts: empty), output);

        var report = await CheckAsync(harness, OneRemoteTask());

        var problem = Assert.Single(report.Problems);
        Assert.Contains("unknown host key for host 'node'", problem);
    }

    [Fact]
    public async Task A_dry_run_finds_Apptainer_and_a_bind_source_missing_on_the_node()
    {
        var settings = node.Config();
        settings["host:node:apptainer"] = "/opt/nowhere/apptainer";
        await using var harness = new Harness(settings, output);

        var report = await CheckAsync(harness, OneRemoteTask(t => t.Bind("/nonexistent/on-node:/data")));

        Assert.Equal(2, report.Problems.Count);
        Assert.Contains(report.Problems, p => p.Contains("'/opt/nowhere/apptainer'", StringComparison.Ordinal) && p.Contains("host 'node'", StringComparison.Ordinal));
        Assert.Contains("bind source of R ('/nonexistent/on-node:/data'): '/nonexistent/on-node' does not exist on host 'node'", report.Problems);
    }
}
