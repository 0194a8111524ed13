using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// What another account of a shared machine can do to a run, tried for real as the second local account
/// <c>dagon-other</c> (scripts/setup-test-tools.sh adds it): nothing the engine makes may be open to it.
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class SecurityTests(ApptainerFixture apptainer, ITestOutputHelper output) : IDisposable
{
    private const string OtherUser = "dagon-other";
    private readonly List<TestHost> _hosts = [];

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    private TestHost Host(string cache, string tmp)
    {
        var host = new TestHost(output, cache, tmp);
        _hosts.Add(host);
        return host;
    }

    /// <summary>A definition built into the cache (so the cache holds a real built image) whose /marker says <paramref name="marker"/>.</summary>
    private string Definition(string marker)
    {
        var folder = apptainer.NewFolder("def");
        File.WriteAllText(Path.Combine(folder, "marker.txt"), marker + "\n");
        var definition = Path.Combine(folder, "marked.def");
        File.WriteAllText(definition, $"Bootstrap: localimage\nFrom: {apptainer.BusyboxSif}\n\n%files\n    ./marker.txt /marker\n");
        return definition;
    }

    /// <summary>Runs <paramref name="script"/> as the other account; its exit code and what it printed.</summary>
    private static async Task<(int ExitCode, string Output)> AsOtherUser(string script)
    {
        if (await ApptainerFixture.TryRun("id", "-u", OtherUser) is not { ExitCode: 0 })
        {
            throw new InvalidOperationException($"The permission tests need a second local account '{OtherUser}': run scripts/setup-test-tools.sh");
        }

        return await ApptainerFixture.TryRun("setpriv", "--reuid", OtherUser, "--regid", OtherUser, "--clear-groups", "--",
            "/bin/sh", "-c", script);
    }

    [Fact]
    public async Task Folders_and_files_the_engine_makes_are_closed_to_other_accounts()
    {
        var root = apptainer.NewFolder("shared"); // world-writable, like /tmp on a shared machine
        var cache = Path.Combine(root, "cache", "a", "b");
        var tmp = Path.Combine(root, "scratch", "x");
        var result = await Host(cache, tmp).Runner.RunAsync(Workflow.Create("closed").DefaultImage(Definition("good")).Remove(false)
            .Task("A", t => t.Command("mkdir -p output && echo secret > output/f.txt").OverlaySize(64))
            .Task("B", t => t.Command("cat workflow:///A/output/f.txt").NoOverlay())
            .Build());
        output.WriteLine(RunSummary.Format(result));
        Assert.True(result.Succeeded, RunSummary.Format(result));

        // What the engine made: every level of both configured folders, the run folder, task folders and work folders.
        // (What a task makes inside its work folder is the task's; the closed folders above it guard it.)
        var runFolder = Directory.GetDirectories(tmp, "dagon-*").Single();
        var made = new[] { Path.Combine(root, "cache"), Path.Combine(root, "cache", "a"), cache, Path.Combine(root, "scratch"), tmp, runFolder }
            .Concat(Directory.GetDirectories(runFolder))
            .Concat(Directory.GetDirectories(runFolder).Select(task => Path.Combine(task, "work")));
        foreach (var folder in made)
        {
            var mode = File.GetUnixFileMode(folder);
            Assert.True((mode & (UnixFileMode)0b000_111_111) == 0, $"{folder} is {mode}: open to other accounts");
        }

        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(result["A"].Workspace!.OverlayPath));
        var image = Directory.GetFiles(cache, "marked-*.sif").Single();
        var swap = await AsOtherUser($"echo evil > /tmp/dagon-other-swap && mv -f /tmp/dagon-other-swap '{image}'");
        Assert.NotEqual(0, swap.ExitCode);
        Assert.Contains("Permission denied", swap.Output);
        var read = await AsOtherUser($"cat '{result["A"].Workspace!.WorkDir}/output/f.txt'");
        Assert.NotEqual(0, read.ExitCode);
        var replace = await AsOtherUser($"rm -rf '{result["A"].Workspace!.WorkDir}/output'");
        Assert.NotEqual(0, replace.ExitCode);
        Assert.Equal("secret\n", File.ReadAllText(Path.Combine(result["A"].Workspace!.WorkDir, "output", "f.txt")));
    }

    [Fact]
    public async Task A_cached_image_swapped_after_its_build_is_refused_and_built_again()
    {
        var cache = apptainer.NewFolder("cache");
        var tmp = apptainer.NewFolder("tmp");
        var definition = Definition("good");
        WorkflowDefinition Show() => Workflow.Create("swap").DefaultImage(definition).Task("show", t => t.Command("cat /marker").NoOverlay()).Remove(false).Build();

        var first = await Host(cache, tmp).Runner.RunAsync(Show());
        Assert.True(first.Succeeded, RunSummary.Format(first));
        var image = Directory.GetFiles(cache, "marked-*.sif").Single();
        Assert.True(File.Exists(image + ".sha256"));

        // Someone who could write there replaces the image with another valid one.
        var evil = Path.Combine(apptainer.NewFolder("evil"), "evil.sif");
        var sandbox = Path.Combine(apptainer.NewFolder("sandbox"), "rootfs");
        await ApptainerFixture.Run("cp", "-a", apptainer.BusyboxSandbox, sandbox);
        await File.WriteAllTextAsync(Path.Combine(sandbox, "marker"), "evil\n");
        await ApptainerFixture.Run(apptainer.Apptainer, "build", evil, sandbox);
        File.Copy(evil, image, overwrite: true);

        var host = Host(cache, tmp);
        var second = await host.Runner.RunAsync(Show());
        Assert.True(second.Succeeded, RunSummary.Format(second));
        Assert.Equal("good\n", File.ReadAllText(second["show"].Workspace!.StdoutPath));
        Assert.Equal(1, host.ImageCache.BuildCount);
        Assert.Contains(host.Log, line => line.Contains("does not match the sha256 recorded when it was built", StringComparison.Ordinal));
    }
}
