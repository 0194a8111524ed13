using Dagon.LocalFiles;
using Dagon.Model;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

/// <summary>
/// --dry-run checks the sha256 of an image cached on the real node where one is known (a .sif of this machine copied
/// there: its copy must hash as the original does), over SSH and read only, and says so where none is kept.
/// </summary>
[Collection(RemoteNodeCollection.Name)]
public sealed class RemoteDryRunChecksumTests(RemoteNode node, ITestOutputHelper output)
{
    private string LocalImage => node.LocalImage ?? throw new InvalidOperationException(
        "the uploaded image is the busybox .sif the node fixture builds, which needs the local Apptainer (/usr/local/bin/apptainer " +
        "from scripts/setup-apptainer.sh) and /bin/busybox (busybox-static)");

    private Dictionary<string, string?> Settings(string cache)
    {
        var settings = node.Config();
        settings["host:node:image_cache_dir"] = cache;
        return settings;
    }

    private static WorkflowBuilder OneTask(string image) =>
        Workflow.Create("RemoteSum").Task("S", t => t.Command("echo ran").Image(image).OnHost("node").NoOverlay());

    /// <summary>Every file of the node's cache with its size, time and sha256: what a dry run must leave as it found it.</summary>
    private string CacheOnNode(string cache)
    {
        var (code, listing) = node.Ssh($"cd {cache} && find . -type f -printf '%p %s %T@\\n' | sort && find . -type f -exec sha256sum {{}} + | sort");
        Assert.True(code == 0, "listing the node's cache failed: " + listing);
        return listing;
    }

    private async Task<string> DryRunAsync(Dictionary<string, string?> settings, WorkflowBuilder workflow)
    {
        await using var harness = new Harness(settings, output);
        var report = await harness.PreflightAsync(workflow);
        output.WriteLine(report.Format(1));
        Assert.True(report.CouldRun, report.Format(1));
        Assert.Equal((0, 0), (harness.RemoteImages.BuildCount, harness.RemoteImages.UploadCount));
        return report.Format(1);
    }

    private async Task RunAsync(Dictionary<string, string?> settings, WorkflowBuilder workflow, int uploads)
    {
        await using var harness = new Harness(settings, output);
        var result = await harness.RunAsync(workflow);
        Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, harness));
        Assert.Equal(["ran"], harness.StdoutOf("S"));
        Assert.Equal(uploads, harness.RemoteImages.UploadCount);
    }

    [Fact]
    public async Task A_corrupted_copy_on_the_node_is_reported_as_uploaded_again_for_a_checksum_mismatch_and_nothing_is_written()
    {
        var cache = $"~/.cache/dagon/sum-{Guid.NewGuid():N}";
        var settings = Settings(cache);
        await RunAsync(settings, OneTask(LocalImage), uploads: 1);
        var copy = node.Ssh($"ls {cache}/*.sif").Output.Trim();
        Assert.Contains($"on host 'node': cached {copy}; sha256 verified", await DryRunAsync(settings, OneTask(LocalImage)), StringComparison.Ordinal);

        Assert.Equal(0, node.Ssh($"printf 'changed on the host' >> {copy}").Code);
        var found = node.Ssh($"sha256sum {copy}").Output[..64];
        var before = CacheOnNode(cache);
        var report = await DryRunAsync(settings, OneTask(LocalImage));

        Assert.Contains($"on host 'node': would upload again: checksum mismatch, cached {copy} has sha256 {found} but " +
            $"{FileDigest.Sha256(LocalImage)} was recorded when it was made", report, StringComparison.Ordinal);
        Assert.Equal(before, CacheOnNode(cache));

        // The real run does what the dry run said: the changed copy is refused and uploaded again.
        await RunAsync(settings, OneTask(LocalImage), uploads: 1);
        Assert.Equal(FileDigest.Sha256(LocalImage), node.Ssh($"sha256sum {copy}").Output[..64]);
        node.Ssh($"rm -rf {cache}");
    }

    [Fact]
    public async Task An_image_built_on_the_node_is_reported_as_cached_and_not_verified_with_the_reason()
    {
        var cache = $"~/.cache/dagon/sum-built-{Guid.NewGuid():N}";
        var settings = Settings(cache);
        await RunAsync(settings, OneTask(node.NodeDefinition), uploads: 0);
        var image = node.Ssh($"ls {cache}/*.sif").Output.Trim();
        var before = CacheOnNode(cache);

        var report = await DryRunAsync(settings, OneTask(node.NodeDefinition));

        Assert.Contains($"on host 'node': definition file exists; cached {image}; not verified (no checksum is kept for images built on the host)",
            report, StringComparison.Ordinal);
        Assert.Equal(before, CacheOnNode(cache));
        node.Ssh($"rm -rf {cache}");
    }
}
