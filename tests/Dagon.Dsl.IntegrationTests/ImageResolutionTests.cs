using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Running;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// Which image a task really runs in, on the real Apptainer: relative paths resolved against their own workflow's
/// folder, and definition files rebuilt when a file their %files section copies changes.
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class ImageResolutionTests(ApptainerFixture apptainer, ITestOutputHelper output) : IDisposable
{
    private readonly string _cache = apptainer.NewFolder("cache");
    private readonly string _tmp = apptainer.NewFolder("tmp");
    private readonly List<TestHost> _hosts = [];

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    private TestHost Host()
    {
        var host = new TestHost(output, _cache, _tmp);
        _hosts.Add(host);
        return host;
    }

    private async Task<RunResult> RunAsync(TestHost host, params WorkflowBuilder[] workflows)
    {
        var result = await host.Runner.RunAsync(workflows.Select(w => w.Build()).ToArray());
        output.WriteLine(RunSummary.Format(result));
        return result;
    }

    private static string Stdout(TaskResult task) => File.ReadAllText(task.Workspace!.StdoutPath);

    /// <summary>A busybox SIF at <paramref name="folder"/>/tools.sif whose /marker file holds <paramref name="marker"/>.</summary>
    private async Task<string> MarkedImageAsync(string folder, string marker)
    {
        var sandbox = Path.Combine(apptainer.NewFolder("sandbox"), "rootfs");
        await ApptainerFixture.Run("cp", "-a", apptainer.BusyboxSandbox, sandbox);
        await File.WriteAllTextAsync(Path.Combine(sandbox, "marker"), marker + "\n");
        var image = Path.Combine(folder, "tools.sif");
        await ApptainerFixture.Run(apptainer.Apptainer, "build", image, sandbox);
        return image;
    }

    private static WorkflowBuilder ShowMarker(string name, string baseDirectory, string image) =>
        Workflow.Create(name).BaseDirectory(baseDirectory).DefaultImage(image).Remove(false)
            .Task("show", t => t.Command("cat /marker").NoOverlay());

    [Fact]
    public async Task Workflows_of_one_run_each_resolve_a_relative_image_against_their_own_base_directory()
    {
        var first = apptainer.NewFolder("first");
        var second = apptainer.NewFolder("second");
        await MarkedImageAsync(first, "one");
        await MarkedImageAsync(second, "two");

        var result = await RunAsync(Host(), ShowMarker("One", first, "tools.sif"), ShowMarker("Two", second, "tools.sif"));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal("one\n", Stdout(result["One/show"]));
        Assert.Equal("two\n", Stdout(result["Two/show"]));
        Assert.Equal(ImageSource.Parse(Path.Combine(first, "tools.sif")), result["One/show"].Task.Image);
        Assert.Equal(ImageSource.Parse(Path.Combine(second, "tools.sif")), result["Two/show"].Task.Image);
    }

    [Fact]
    public async Task A_relative_image_only_the_second_workflows_base_directory_holds_is_found_there()
    {
        var first = apptainer.NewFolder("first");
        var second = apptainer.NewFolder("second");
        await MarkedImageAsync(second, "two");
        Assert.False(File.Exists(Path.Combine(first, "tools.sif")));

        var result = await RunAsync(Host(),
            Workflow.Create("One").BaseDirectory(first).DefaultImage(apptainer.BusyboxSif).Task("plain", t => t.Command("echo plain").NoOverlay()),
            ShowMarker("Two", second, "tools.sif"));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal("two\n", Stdout(result["Two/show"]));
    }

    [Fact]
    public async Task A_definition_is_rebuilt_when_a_file_its_files_section_copies_changes()
    {
        var folder = apptainer.NewFolder("def");
        var data = Path.Combine(folder, "data.txt");
        await File.WriteAllTextAsync(Path.Combine(folder, "tools.def"),
            $"Bootstrap: localimage\nFrom: {apptainer.BusyboxSif}\n\n%files\n    ./data.txt /data.txt\n");
        WorkflowBuilder Workflow() => Dagon.Model.Workflow.Create("copies").BaseDirectory(folder).DefaultImage("tools.def").Remove(false)
            .Task("show", t => t.Command("cat /data.txt").NoOverlay());

        await File.WriteAllTextAsync(data, "v1\n");
        var firstHost = Host();
        var first = await RunAsync(firstHost, Workflow());
        Assert.True(first.Succeeded, RunSummary.Format(first));
        Assert.Equal(1, firstHost.ImageCache.BuildCount);
        Assert.Equal("v1\n", Stdout(first["show"]));

        await File.WriteAllTextAsync(data, "v2\n");
        var secondHost = Host();
        var second = await RunAsync(secondHost, Workflow());
        Assert.True(second.Succeeded, RunSummary.Format(second));
        Assert.Equal(1, secondHost.ImageCache.BuildCount);
        Assert.Equal("v2\n", Stdout(second["show"]));
        Assert.Equal(2, Directory.GetFiles(_cache, "tools-*.sif").Length);
    }
}
