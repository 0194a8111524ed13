using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Dagon.Model;
using Dagon.Reporting;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// docker:// images, pulled from a real registry (Debian's docker-registry, the distribution server) that the test
/// starts on loopback and fills with an OCI image built from the busybox root file system.
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class DockerRegistryTests(ApptainerFixture apptainer, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Provision = "Run `bash scripts/setup-test-tools.sh` (docker-registry, skopeo, umoci); scripts/test.sh does.";
    private Process? _registry;
    private int _port;

    public async Task InitializeAsync()
    {
        foreach (var tool in new[] { "docker-registry", "skopeo", "umoci" })
        {
            if (!File.Exists($"/usr/bin/{tool}")) throw new InvalidOperationException($"/usr/bin/{tool} is missing. {Provision}");
        }

        var directory = apptainer.NewFolder("registry");
        _port = FreePort();
        var config = Path.Combine(directory, "config.yml");
        await File.WriteAllTextAsync(config,
            $"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {directory}/data\nhttp:\n  addr: 127.0.0.1:{_port}\n");
        _registry = Process.Start(new ProcessStartInfo("/usr/bin/docker-registry", ["serve", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _registry.OutputDataReceived += (_, _) => { };
        _registry.ErrorDataReceived += (_, _) => { };
        _registry.BeginOutputReadLine();
        _registry.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{_port}/v2/")).StatusCode == HttpStatusCode.OK) break;
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"docker-registry did not answer on 127.0.0.1:{_port} within 20 s");
            await Task.Delay(100);
        }

        var layout = Path.Combine(directory, "oci");
        await ApptainerFixture.Run("/usr/bin/umoci", "init", "--layout", layout);
        await ApptainerFixture.Run("/usr/bin/umoci", "new", "--image", $"{layout}:busybox");
        await ApptainerFixture.Run("/usr/bin/umoci", "insert", "--image", $"{layout}:busybox", apptainer.BusyboxSandbox, "/");
        await ApptainerFixture.Run("/usr/bin/skopeo", "copy", "--dest-tls-verify=false", $"oci:{layout}:busybox",
            $"docker://127.0.0.1:{_port}/dagon/busybox:1.35");
    }

    public Task DisposeAsync()
    {
        if (_registry is { HasExited: false })
        {
            _registry.Kill(entireProcessTree: true);
            _registry.WaitForExit();
        }

        _registry?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task DryRunFindsTheRegistryAnsweringAndPullsNothing()
    {
        var image = $"docker://127.0.0.1:{_port}/dagon/busybox:1.35";
        var cache = apptainer.NewFolder("cache");
        var config = Path.Combine(apptainer.NewFolder("ini"), "dagon.ini");
        await File.WriteAllTextAsync(config, $"[apptainer]\nnohttps = true\nimage_cache_dir = {cache}\n");
        using var host = Dagon.Hosting.DagonHost.CreateBuilder(["--config", config]).Build();
        var plan = Dagon.Scheduling.ExecutionPlan.Create([Workflow.Create("docker").DefaultImage(image).Task("A", "true").Build()]);

        var report = await Microsoft.Extensions.DependencyInjection.ActivatorUtilities
            .CreateInstance<Dagon.Execution.RunPreflight>(host.Services).CheckAsync(plan, CancellationToken.None);

        Assert.True(report.CouldRun, report.Format(1));
        Assert.Contains($"http://127.0.0.1:{_port}/v2/ answers (200); would be pulled and built", report.Format(1), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
    }

    [Fact]
    public async Task DockerImageIsPulledOnceIntoTheCacheAndRuns()
    {
        var image = $"docker://127.0.0.1:{_port}/dagon/busybox:1.35";
        var cache = apptainer.NewFolder("cache");
        using var first = new TestHost(output, cache, apptainer.NewFolder("tmp"), new() { ["apptainer:nohttps"] = "true" });
        var workflow = Workflow.Create("docker").DefaultImage(image).Remove(false)
            .Task("A", t => t.Command("echo pulled > out.txt && cat /bin/busybox > /dev/null").WritableTmpfs())
            .Task("B", t => t.Command("cat workflow:///A/out.txt").WritableTmpfs());

        var result = await first.Runner.RunAsync(workflow.Build());
        output.WriteLine(RunSummary.Format(result));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal(1, first.ImageCache.BuildCount);
        Assert.Contains(first.Log, line => line == $"Building SIF image from: {image}");
        Assert.Equal("pulled\n", File.ReadAllText(result["B"].Workspace!.StdoutPath));

        using var second = new TestHost(output, cache, apptainer.NewFolder("tmp"), new() { ["apptainer:nohttps"] = "true" });
        Assert.True((await second.Runner.RunAsync(workflow.Build())).Succeeded);
        Assert.Equal(0, second.ImageCache.BuildCount);
    }

    [Fact]
    public async Task UnknownDockerImageFailsFastWithApptainersMessage()
    {
        var image = $"docker://127.0.0.1:{_port}/dagon/does-not-exist:1";
        using var host = new TestHost(output, apptainer.NewFolder("cache"), apptainer.NewFolder("tmp"), new() { ["apptainer:nohttps"] = "true" });

        var result = await host.Runner.RunAsync(Workflow.Create("docker").DefaultImage(image).Task("A", "echo").Build());

        Assert.NotNull(result.SetupError);
        Assert.Contains($"building image from '{image}' failed", result.SetupError);
        Assert.Contains("FATAL", result.SetupError);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
