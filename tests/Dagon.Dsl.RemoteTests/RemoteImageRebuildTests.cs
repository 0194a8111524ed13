using Dagon.Model;
using Dagon.Places.Ssh;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

/// <summary>A definition whose %files copy files of this machine, run on a host: built here, uploaded, rebuilt when they change.</summary>
[Collection(RemoteNodeCollection.Name)]
public sealed class RemoteImageRebuildTests(RemoteNode node, ITestOutputHelper output)
{
    private string LocalImage => node.LocalImage ?? throw new InvalidOperationException(
        "a definition built here needs the local Apptainer (/usr/local/bin/apptainer from scripts/setup-apptainer.sh) and /bin/busybox (busybox-static)");

    [Fact]
    public async Task A_definition_copying_local_files_is_rebuilt_here_and_uploaded_again_when_they_change()
    {
        var folder = Path.Combine(node.Scratch, $"files-def-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        // The local Apptainer runs as an ordinary user that must read here.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, (UnixFileMode)0x1FF);
        var definition = Path.Combine(folder, "tools.def");
        var data = Path.Combine(folder, "data.txt");
        await File.WriteAllTextAsync(definition, $"Bootstrap: localimage\nFrom: {LocalImage}\n\n%files\n    ./data.txt /data.txt\n");
        var settings = node.Config();
        settings["host:node:image_cache_dir"] = $"~/.cache/dagon/files-def-{Guid.NewGuid():N}";
        WorkflowBuilder Workflow() => Dagon.Model.Workflow.Create("FilesDef")
            .Task("Show", t => t.Command("cat /data.txt").Image(definition).OnHost("node").NoOverlay());

        foreach (var version in new[] { "v1", "v2" })
        {
            await File.WriteAllTextAsync(data, version + "\n");
            await using var harness = new Harness(settings, output);
            var result = await harness.RunAsync(Workflow());
            Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, harness));
            Assert.Equal([version], harness.StdoutOf("Show"));
            Assert.Equal(1, harness.RemoteImages.UploadCount);
            Assert.Equal(0, harness.RemoteImages.BuildCount);
            Assert.Contains($"Building {definition} here for host 'node' (its %files are on this machine)", harness.Log);
        }
    }
}
