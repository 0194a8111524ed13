using System.Net;
using System.Net.Sockets;
using Dagon.Execution;
using Dagon.Hosting;
using Dagon.Images;
using Dagon.Model;
using Dagon.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>--dry-run's checks on the real parts (this machine, Apptainer, SSH connections, files), each failing alone.</summary>
[Collection(ApptainerCollection.Name)]
public sealed class RunPreflightTests(ApptainerFixture apptainer)
{
    private async Task<(PreflightReport Report, string Work, string Cache)> CheckAsync(WorkflowBuilder workflow, string ini = "")
    {
        var folder = apptainer.NewFolder("preflight");
        var work = Directory.CreateDirectory(Path.Combine(folder, "work")).FullName;
        var cache = Directory.CreateDirectory(Path.Combine(folder, "cache")).FullName;
        var config = Path.Combine(folder, "dagon.ini");
        await File.WriteAllTextAsync(config, $"[dagon]\ntmp_dir = {work}\n[apptainer]\nimage_cache_dir = {cache}\n{ini}");
        using var host = DagonHost.CreateBuilder(["--config", config]).Build();
        var plan = ExecutionPlan.Create([workflow.Build()]);

        var report = await ActivatorUtilities.CreateInstance<RunPreflight>(host.Services).CheckAsync(plan, CancellationToken.None);

        Assert.Equal(0, host.Services.GetRequiredService<ImageCache>().BuildCount);
        Assert.Empty(Directory.EnumerateFileSystemEntries(work)); // no work folder: no task ran
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache)); // no image built or pulled
        return (report, work, cache);
    }

    private WorkflowBuilder Workflow_(Action<TaskBuilder> configure) =>
        Workflow.Create("preflight").DefaultImage(apptainer.BusyboxSif).Task("A", t => configure(t.Command("true")));

    [Fact]
    public async Task EverythingInPlacePasses()
    {
        var (report, _, _) = await CheckAsync(Workflow_(t => t.Bind("/tmp:/data:ro")));

        Assert.True(report.CouldRun, report.Format(1));
        Assert.Contains("ok    bind source of A ('/tmp:/data:ro'): '/tmp' exists on this machine", report.Format(1), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingBindSourceIsAProblem()
    {
        var (report, _, _) = await CheckAsync(Workflow_(t => t.Bind("/nonexistent/dagon-data:/data")));

        Assert.Equal(["bind source of A ('/nonexistent/dagon-data:/data'): '/nonexistent/dagon-data' does not exist on this machine"], report.Problems);
    }

    [Fact]
    public async Task MissingShellOfABatchTaskIsAProblem()
    {
        var (report, _, _) = await CheckAsync(Workflow.Create("preflight").BatchTask("A", "true", t => t.Shell("/nonexistent/bash")));

        Assert.Equal(["shell of A: '/nonexistent/bash' does not exist on this machine"], report.Problems);
    }

    [Fact]
    public async Task DefinitionFileCopyingMissingFilesIsAProblem()
    {
        var folder = apptainer.NewFolder("def");
        var definition = Path.Combine(folder, "tools.def");
        await File.WriteAllTextAsync(definition, $"Bootstrap: localimage\nFrom: {apptainer.BusyboxSif}\n%files\n    missing.txt /opt/missing.txt\n");

        var (report, _, _) = await CheckAsync(Workflow_(t => t.Image(definition)));

        Assert.Equal([$"image {definition} (for A) on this machine: '{definition}' copies files that do not exist: missing.txt"], report.Problems);
    }

    [Fact]
    public async Task HostWithoutSettingsIsAProblem()
    {
        var (report, _, _) = await CheckAsync(Workflow_(t => t.OnHost("nowhere")));

        var problem = Assert.Single(report.Problems);
        Assert.StartsWith("host 'nowhere' (for A): no place 'nowhere' is configured", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableHostIsAProblemAndNothingElseIsAskedOfIt()
    {
        var key = Path.Combine(apptainer.NewFolder("key"), "id_ed25519");
        await ApptainerFixture.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
        var ini = $"[host:far]\nremote_ip = 127.0.0.1\nssh_port = {ClosedPort()}\nssh_user = nobody\nssh_key = {key}\nconnect_timeout_seconds = 3\n";

        var (report, _, _) = await CheckAsync(Workflow_(t => t.OnHost("far")), ini);

        var problem = Assert.Single(report.Problems);
        Assert.StartsWith("host 'far' (for A): ", problem, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port; // closed again when the listener is disposed
    }
}
