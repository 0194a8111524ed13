using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// --dry-run asks the image policy a real run follows (library folders, digests, pull policies) against a real
/// registry on loopback, and says what the run would do, without pulling, building or recording anything.
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class DryRunImagePolicyTests(ApptainerFixture apptainer, ITestOutputHelper output) : TwoVersionRegistryTests(apptainer, output)
{
    private static WorkflowDefinition OneTask(string image, PullPolicy pull = PullPolicy.Unset) =>
        Workflow.Create("dry").DefaultImage(image).Remove(false).Task("V", t => t.Command("cat /etc/dagon-version").WritableTmpfs().Pull(pull)).Build();

    private async Task<PreflightReport> DryRunAsync(TestHost host, WorkflowDefinition workflow)
    {
        var report = await host.DryRunAsync(workflow);
        Output.WriteLine(report.Format(1));
        Assert.Equal(0, host.ImageCache.BuildCount);
        return report;
    }

    /// <summary>Every file under the cache with its content, to prove a dry run wrote nothing there.</summary>
    private static List<string> Contents(string cache) => Directory.EnumerateFileSystemEntries(cache, "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal)
        .Select(path => File.Exists(path) && path.EndsWith(".digest", StringComparison.Ordinal) ? $"{path}={File.ReadAllText(path)}" : path)
        .ToList();

    [Fact]
    public async Task ASifInALibraryFolderIsReportedAsTheImageUsed()
    {
        var library = Apptainer.NewFolder("library");
        File.Copy(Apptainer.BusyboxSif, Path.Combine(library, "busybox_1.35.sif"));
        var cache = Apptainer.NewFolder("cache");
        var image = $"docker://{Registry.Address}/dagon/busybox:1.35"; // never pushed: only the library can give it

        var report = await DryRunAsync(Host(cache, new() { ["apptainer:library_dirs"] = "/nonexistent:" + library }), OneTask(image));

        Assert.True(report.CouldRun, report.Format(1));
        Assert.Contains($"ok    image {image} (for V) on this machine: library image {library}/busybox_1.35.sif", report.Format(1), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
    }

    [Fact]
    public async Task PullNeverWithAnEmptyCacheFailsNamingTheImageAndTheSettingAndWritesNothing()
    {
        var image = $"docker://{Registry.Address}/dagon/never:1";
        await Registry.PushAsync(V1, "dagon/never:1");
        var cache = Apptainer.NewFolder("cache");

        var report = await DryRunAsync(Host(cache, new() { ["apptainer:pull"] = "never" }), OneTask(image));

        var problem = Assert.Single(report.Problems);
        Assert.StartsWith($"image {image} (for V) on this machine: image '{image}' is not in the image cache ({cache})", problem, StringComparison.Ordinal);
        Assert.Contains("pull = never forbids fetching it", problem, StringComparison.Ordinal);
        Assert.Contains("Dry run FAILED: 1 problem", report.Format(1), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
    }

    [Fact]
    public async Task AFreshTagIsReportedAsThePullOfTheDigestItPointsTo()
    {
        var image = $"docker://{Registry.Address}/dagon/fresh:1";
        var digest = await Registry.PushAsync(V1, "dagon/fresh:1");
        var cache = Apptainer.NewFolder("cache");
        var host = Host(cache);

        var report = await DryRunAsync(host, OneTask(image));

        Assert.True(report.CouldRun, report.Format(1));
        Assert.Contains($"on this machine: would pull docker://{Registry.Address}/dagon/fresh@{digest} (tag now points there)", report.Format(1), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
        Assert.DoesNotContain(host.Log, line => line.StartsWith($"Tag {image}", StringComparison.Ordinal)); // nothing logged as if pulled
    }

    [Fact]
    public async Task AMovedTagUnderPullMissingIsReportedAsTheCachedDigestKeptAndAlwaysAsThePullOfTheNewOne()
    {
        var image = $"docker://{Registry.Address}/dagon/moving:1";
        var first = await Registry.PushAsync(V1, "dagon/moving:1");
        var cache = Apptainer.NewFolder("cache");
        var initial = await Host(cache).Runner.RunAsync(OneTask(image));
        Assert.True(initial.Succeeded, RunSummary.Format(initial));
        var moved = await Registry.PushAsync(V2, "dagon/moving:1");
        var before = Contents(cache);

        var missing = await DryRunAsync(Host(cache), OneTask(image));
        var always = await DryRunAsync(Host(cache), OneTask(image, PullPolicy.Always));

        Assert.True(missing.CouldRun, missing.Format(1));
        Assert.Contains($"on this machine: cached (digest {first}) {cache}/", missing.Format(1), StringComparison.Ordinal);
        Assert.Contains($"; the tag now points to {moved}, the cached digest is kept (pull = missing)", missing.Format(1), StringComparison.Ordinal);
        Assert.Contains($"would pull docker://{Registry.Address}/dagon/moving@{moved} (tag now points there); the tag moved from the cached {first} (pull = always)",
            always.Format(1), StringComparison.Ordinal);
        Assert.Equal(before, Contents(cache));

        // The real run does what the dry run said: the cached digest, no pull.
        var real = Host(cache);
        var result = await real.Runner.RunAsync(OneTask(image));
        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal("v1", File.ReadAllText(result["V"].Workspace!.StdoutPath).Trim());
        Assert.Equal(0, real.ImageCache.BuildCount);
    }

    [Fact]
    public async Task ATagWhoseRegistryDoesNotAnswerIsReportedAsCachedByTagWhenItIs()
    {
        var image = $"docker://{Registry.Address}/dagon/tagged:1";
        var cache = Apptainer.NewFolder("cache");
        // As a run that got no digest leaves it: the image keyed by its tag. Then the registry goes away (a new one on
        // another port stands in for the class's disposal).
        File.Copy(Apptainer.BusyboxSif, Path.Combine(cache, TagFileName(image)));
        await Registry.DisposeAsync();
        Registry = await LoopbackRegistry.StartAsync(Apptainer.NewFolder("registry"));

        var report = await DryRunAsync(Host(cache), OneTask(image));

        Assert.True(report.CouldRun, report.Format(1));
        Assert.Contains($"on this machine: cached by tag; the registry gave no digest: {image["docker://".Length..].Split('/')[0]} did not answer", report.Format(1),
            StringComparison.Ordinal);
    }

    private static string TagFileName(string image) =>
        Dagon.Images.ImageKey.FileName(new ImageSource(ImageSourceKind.Docker, image));
}
