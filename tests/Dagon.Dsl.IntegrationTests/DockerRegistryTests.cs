using Dagon.Model;
using Dagon.Reporting;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// docker:// images, pulled from a real registry (Debian's docker-registry, the distribution server) on loopback
/// (<see cref="LoopbackRegistry"/>), filled with an OCI image built from the busybox root file system.
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class DockerRegistryTests(ApptainerFixture apptainer, ITestOutputHelper output) : IAsyncLifetime
{
    private LoopbackRegistry _registry = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _registry = await LoopbackRegistry.StartAsync(apptainer.NewFolder("registry"));
        _port = _registry.Port;
        await _registry.PushAsync(await _registry.LayoutAsync(apptainer.BusyboxSandbox, "1.35"), "dagon/busybox:1.35");
    }

    public Task DisposeAsync() => _registry.DisposeAsync().AsTask();

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
        Assert.Matches($@"on this machine: would pull docker://127\.0\.0\.1:{_port}/dagon/busybox@sha256:[0-9a-f]{{64}} \(tag now points there\)", report.Format(1));
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
}
