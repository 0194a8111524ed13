using Dagon.Execution;
using Dagon.Images;
using Dagon.LocalFiles;
using Dagon.Model;
using Dagon.Reporting;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// --dry-run checks a cached image's sha256 against the one recorded when the image was built, with real Apptainer
/// builds, and writes nothing: not the missing record a real run would add, not the deletion a real run makes of a
/// changed image. The real run then does what the dry run said.
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class DryRunChecksumTests(ApptainerFixture apptainer, ITestOutputHelper output)
{
    private (WorkflowDefinition Workflow, string Cache) Setup()
    {
        var folder = apptainer.NewFolder("def");
        var definition = Path.Combine(folder, "marked.def");
        File.WriteAllText(definition, $"Bootstrap: localimage\nFrom: {apptainer.BusyboxSif}\n%post\n    echo {Guid.NewGuid():N} > /etc/mark\n");
        var workflow = Workflow.Create("sum").DefaultImage(definition).Task("A", t => t.Command("cat /etc/mark").WritableTmpfs()).Build();
        return (workflow, apptainer.NewFolder("cache"));
    }

    private TestHost Host(string cache) => new(output, cache, apptainer.NewFolder("tmp"));

    private async Task<string> DryRunAsync(string cache, WorkflowDefinition workflow)
    {
        using var host = Host(cache);
        var report = await host.DryRunAsync(workflow);
        output.WriteLine(report.Format(1));
        Assert.True(report.CouldRun, report.Format(1));
        Assert.Equal(0, host.ImageCache.BuildCount);
        return report.Format(1);
    }

    /// <summary>Every file under the cache with its size, time and sha256: what a dry run must leave as it found it.</summary>
    private static List<string> Contents(string cache) => Directory.EnumerateFileSystemEntries(cache, "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal)
        .Select(path => File.Exists(path)
            ? $"{path} {new FileInfo(path).Length} {File.GetLastWriteTimeUtc(path).Ticks} {FileDigest.Sha256(path)}"
            : path)
        .ToList();

    private static string CachedImage(string cache) => Directory.GetFiles(cache, "*.sif").Single();

    private async Task BuildAsync(string cache, WorkflowDefinition workflow, int builds)
    {
        using var host = Host(cache);
        var result = await host.Runner.RunAsync(workflow);
        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal(builds, host.ImageCache.BuildCount);
    }

    [Fact]
    public async Task A_corrupted_cached_image_is_reported_as_rebuilt_for_a_checksum_mismatch_and_nothing_is_written()
    {
        var (workflow, cache) = Setup();
        await BuildAsync(cache, workflow, builds: 1);
        var image = CachedImage(cache);
        var recorded = File.ReadAllText(CachedImageDigests.SidecarOf(image)).Trim();
        Assert.Contains($"cached {image}; sha256 verified", await DryRunAsync(cache, workflow), StringComparison.Ordinal);

        await File.AppendAllTextAsync(image, "changed after the build");
        var found = FileDigest.Sha256(image);
        var before = Contents(cache);
        var report = await DryRunAsync(cache, workflow);

        Assert.Contains($"on this machine: definition file exists; would rebuild: checksum mismatch, cached {image} has sha256 {found} but {recorded} was recorded " +
            "when it was made", report, StringComparison.Ordinal);
        Assert.Equal(before, Contents(cache));

        // The real run does what the dry run said: the changed image is refused and built again.
        await BuildAsync(cache, workflow, builds: 1);
        Assert.NotEqual(found, FileDigest.Sha256(image));
    }

    [Fact]
    public async Task A_cached_image_without_a_recorded_checksum_is_reported_as_not_verified_and_no_checksum_is_recorded()
    {
        var (workflow, cache) = Setup();
        await BuildAsync(cache, workflow, builds: 1);
        var image = CachedImage(cache);
        File.Delete(CachedImageDigests.SidecarOf(image)); // as an image cached before checksums were kept
        var before = Contents(cache);

        var report = await DryRunAsync(cache, workflow);

        Assert.Contains($"on this machine: definition file exists; cached {image}; not verified (no checksum recorded yet)", report, StringComparison.Ordinal);
        Assert.Equal(before, Contents(cache));
        Assert.False(File.Exists(CachedImageDigests.SidecarOf(image)));
    }
}
