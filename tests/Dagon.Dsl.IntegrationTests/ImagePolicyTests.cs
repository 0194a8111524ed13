using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// The image policy against a real registry on loopback and real Apptainer builds: digests, moved tags, pins,
/// library folders and local archives.
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class ImagePolicyTests(ApptainerFixture apptainer, ITestOutputHelper output) : TwoVersionRegistryTests(apptainer, output)
{
    /// <summary>Runs one task printing the image's /etc/dagon-version and returns what it printed.</summary>
    private async Task<string> VersionAsync(TestHost host, string image)
    {
        var result = await host.Runner.RunAsync(Workflow.Create("policy").DefaultImage(image).Remove(false)
            .Task("V", t => t.Command("cat /etc/dagon-version").WritableTmpfs()).Build());
        Output.WriteLine(RunSummary.Format(result));
        Assert.True(result.Succeeded, RunSummary.Format(result));
        return File.ReadAllText(result["V"].Workspace!.StdoutPath).Trim();
    }

    [Fact]
    public async Task MovedTagIsKeptWithPullMissingAndSaidSoThenPulledWithPullAlways()
    {
        var image = $"docker://{Registry.Address}/dagon/moving:1";
        var first = await Registry.PushAsync(V1, "dagon/moving:1");
        var cache = Apptainer.NewFolder("cache");
        var initial = Host(cache);
        Assert.Equal("v1", await VersionAsync(initial, image));
        Assert.Equal(1, initial.ImageCache.BuildCount);
        Assert.Contains(initial.Log, line => line == $"Tag {image} is {first}");

        var moved = await Registry.PushAsync(V2, "dagon/moving:1");
        var missing = Host(cache);
        Assert.Equal("v1", await VersionAsync(missing, image));
        Assert.Equal(0, missing.ImageCache.BuildCount);
        Assert.Contains(missing.Log, line => line.StartsWith($"Tag {image} now points to {moved}; keeping the cached {first} (pull = missing)", StringComparison.Ordinal));

        var always = Host(cache, new() { ["apptainer:pull"] = "always" });
        Assert.Equal("v2", await VersionAsync(always, image));
        Assert.Equal(1, always.ImageCache.BuildCount);
        Assert.Contains(always.Log, line => line == $"Tag {image} moved from {first} to {moved}; pulling the new digest (pull = always)");

        var afterwards = Host(cache);
        Assert.Equal("v2", await VersionAsync(afterwards, image));
        Assert.Equal(0, afterwards.ImageCache.BuildCount);
    }

    [Fact]
    public async Task TasksSharingAnImageGetTheStrictestOfTheirPullPolicies()
    {
        var image = $"docker://{Registry.Address}/dagon/shared:1";
        var first = await Registry.PushAsync(V1, "dagon/shared:1");
        var cache = Apptainer.NewFolder("cache");
        Assert.Equal("v1", await VersionAsync(Host(cache), image));
        var moved = await Registry.PushAsync(V2, "dagon/shared:1");

        // The run says never; one task says missing, the other always: always wins for the one shared image.
        var host = Host(cache, new() { ["apptainer:pull"] = "never" });
        var result = await host.Runner.RunAsync(Workflow.Create("shared").DefaultImage(image).Remove(false)
            .Task("Cached", t => t.Command("cat /etc/dagon-version").WritableTmpfs().Pull(PullPolicy.Missing))
            .Task("Fresh", t => t.Command("cat /etc/dagon-version").WritableTmpfs().Pull(PullPolicy.Always)).Build());

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal(1, host.ImageCache.BuildCount);
        Assert.Contains(host.Log, line => line == $"Tag {image} moved from {first} to {moved}; pulling the new digest (pull = always)");
        Assert.Equal("v2", File.ReadAllText(result["Cached"].Workspace!.StdoutPath).Trim());
        Assert.Equal("v2", File.ReadAllText(result["Fresh"].Workspace!.StdoutPath).Trim());
    }

    [Fact]
    public async Task ATasksPullNeverOverridesTheRunsAlwaysAndKeepsTheCachedDigest()
    {
        var image = $"docker://{Registry.Address}/dagon/kept:1";
        await Registry.PushAsync(V1, "dagon/kept:1");
        var cache = Apptainer.NewFolder("cache");
        Assert.Equal("v1", await VersionAsync(Host(cache), image));
        await Registry.PushAsync(V2, "dagon/kept:1");

        var host = Host(cache, new() { ["apptainer:pull"] = "always" });
        var result = await host.Runner.RunAsync(Workflow.Create("kept").DefaultImage(image).Remove(false).Pull(PullPolicy.Never)
            .Task("V", t => t.Command("cat /etc/dagon-version").WritableTmpfs()).Build());

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal(0, host.ImageCache.BuildCount);
        Assert.Equal("v1", File.ReadAllText(result["V"].Workspace!.StdoutPath).Trim());
    }

    [Fact]
    public async Task DigestPinBuildsExactlyThatDigestWhateverTheTagSays()
    {
        var pinned = await Registry.PushAsync(V1, "dagon/pinned:1");
        await Registry.PushAsync(V2, "dagon/pinned:1");
        var host = Host(Apptainer.NewFolder("cache"));

        Assert.Equal("v1", await VersionAsync(host, $"docker://{Registry.Address}/dagon/pinned@{pinned}"));
        Assert.Equal("v2", await VersionAsync(host, $"docker://{Registry.Address}/dagon/pinned:1"));
        Assert.Equal(2, host.ImageCache.BuildCount);
    }

    [Fact]
    public async Task PullNeverFailsForAnImageNotInTheCacheWithoutAskingTheRegistry()
    {
        await Registry.PushAsync(V1, "dagon/never:1");
        var host = Host(Apptainer.NewFolder("cache"), new() { ["apptainer:pull"] = "never" });
        var result = await host.Runner.RunAsync(Workflow.Create("never").DefaultImage($"docker://{Registry.Address}/dagon/never:1")
            .Task("V", t => t.Command("true").WritableTmpfs()).Build());

        Assert.False(result.Succeeded);
        Assert.Contains("pull = never forbids fetching it", RunSummary.Format(result));
        Assert.Equal(0, host.ImageCache.BuildCount);
    }

    [Fact]
    public async Task SifInALibraryFolderIsUsedWithoutABuild()
    {
        var library = Apptainer.NewFolder("library");
        File.Copy(Apptainer.BusyboxSif, Path.Combine(library, "busybox_1.35.sif"));
        var host = Host(Apptainer.NewFolder("cache"), new() { ["apptainer:library_dirs"] = "/nonexistent:" + library });
        var result = await host.Runner.RunAsync(Workflow.Create("library").DefaultImage($"docker://{Registry.Address}/dagon/busybox:1.35")
            .Task("V", t => t.Command("echo from-library").WritableTmpfs()).Build());

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal(0, host.ImageCache.BuildCount);
        Assert.Contains(host.Log, line => line.StartsWith($"Using library image {library}/busybox_1.35.sif", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DockerArchiveMadeWithSkopeoIsBuiltOnceAndRuns()
    {
        var archive = Path.Combine(Apptainer.NewFolder("archive"), "busybox-v2.tar");
        await ApptainerFixture.Run("/usr/bin/skopeo", "copy", $"oci:{V2}", $"docker-archive:{archive}:dagon/busybox:v2");
        var cache = Apptainer.NewFolder("cache");
        var host = Host(cache);

        Assert.Equal("v2", await VersionAsync(host, $"docker-archive:{archive}"));
        Assert.Equal(1, host.ImageCache.BuildCount);
        Assert.Single(Directory.GetFiles(cache, "busybox-v2-*.sif"));
        Assert.Equal("v2", await VersionAsync(Host(cache), $"oci:{V2}"));
    }
}
