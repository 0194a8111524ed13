using Dagon.Execution;
using Dagon.Hosting;
using Dagon.Running;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>Workflows run on the real Apptainer of this machine, with the busybox image of the fixture.</summary>
[Collection(ApptainerCollection.Name)]
public sealed class LocalApptainerTests(ApptainerFixture apptainer, ITestOutputHelper output) : IDisposable
{
    private readonly string _cache = apptainer.NewFolder("cache");
    private readonly string _tmp = apptainer.NewFolder("tmp");
    private readonly List<TestHost> _hosts = [];

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    private TestHost Host(Dictionary<string, string?>? settings = null, string? cache = null)
    {
        var host = new TestHost(output, cache ?? _cache, _tmp, settings);
        _hosts.Add(host);
        return host;
    }

    private WorkflowBuilder Busybox(string name = "it") => Workflow.Create(name).DefaultImage(apptainer.BusyboxSif);

    private async Task<RunResult> RunAsync(WorkflowBuilder workflow, TestHost? host = null, CancellationToken cancellationToken = default)
    {
        var result = await (host ?? Host()).Runner.RunAsync(workflow.Build(), cancellationToken);
        output.WriteLine(RunSummary.Format(result));
        return result;
    }

    private static string Stdout(TaskResult task) => File.ReadAllText(task.Workspace!.StdoutPath);

    [Fact]
    public async Task DataflowPassesFilesAlongTheGraph()
    {
        var result = await RunAsync(Busybox()
            .Remove(false)
            .Task("A", "mkdir -p output && hostname > output/f1.txt")
            .Task("B", "echo b > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt")
            .Task("C", "echo c > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt")
            .Task("D", "cat workflow:///B/f2.txt >> f3.txt && cat workflow:///C/f2.txt >> f3.txt && cat f3.txt"));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        var hostname = File.ReadAllText(Path.Combine(result["A"].Workspace!.WorkDir, "output", "f1.txt")).Trim();
        Assert.Equal(["b", hostname, "c", hostname], Stdout(result["D"]).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(Stdout(result["D"]), File.ReadAllText(Path.Combine(result["D"].Workspace!.WorkDir, "f3.txt")));
    }

    [Fact]
    public async Task TasksSharingAnImageBuildItOnceAndLaterRunsBuildNothing()
    {
        var definition = Path.Combine(apptainer.NewFolder("def"), "tools.def");
        File.WriteAllText(definition, $"Bootstrap: localimage\nFrom: {apptainer.BusyboxSif}\n\n%labels\n    purpose shared-image-test\n");
        WorkflowBuilder Workflow() => Enumerable.Range(1, 5).Aggregate(
            Busybox().DefaultImage(definition),
            (w, i) => w.Task($"T{i}", t => t.Command($"echo {i}").WritableTmpfs()));

        var first = Host();
        var firstRun = await RunAsync(Workflow(), first);
        Assert.True(firstRun.Succeeded, RunSummary.Format(firstRun));
        Assert.Equal(1, first.ImageCache.BuildCount);
        Assert.Single(first.Log, line => line.StartsWith("Building SIF image from: " + definition, StringComparison.Ordinal));

        var second = Host();
        var secondRun = await RunAsync(Workflow(), second);
        Assert.True(secondRun.Succeeded, RunSummary.Format(secondRun));
        Assert.Equal(0, second.ImageCache.BuildCount);
        Assert.DoesNotContain(second.Log, line => line.StartsWith("Building SIF image", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConcurrentRunsWantingTheSameImageWaitForOneBuild()
    {
        var definition = Path.Combine(apptainer.NewFolder("def"), "shared.def");
        File.WriteAllText(definition, $"Bootstrap: localimage\nFrom: {apptainer.BusyboxSif}\n\n%labels\n    purpose concurrent-build-test\n");
        var hosts = new[] { Host(), Host() };

        // Two hosts have two image caches in memory, like two processes: only the lock file keeps them to one build.
        var results = await Task.WhenAll(hosts.Select(host => RunAsync(
            Busybox().DefaultImage(definition).Task("only", t => t.Command("true").WritableTmpfs()), host)));

        Assert.All(results, r => Assert.True(r.Succeeded, RunSummary.Format(r)));
        Assert.Equal(1, hosts.Sum(h => h.ImageCache.BuildCount));
        Assert.Single(Directory.GetFiles(_cache, "*.sif"));
        Assert.Empty(Directory.GetFiles(_cache, "*.partial"));
    }

    [Fact]
    public async Task OverlayMakesTheContainerWritableWithinTheTask()
    {
        const string command = "echo persisted > /opt/state.txt && cat /opt/state.txt";
        var result = await RunAsync(Busybox()
            .Remove(false)
            .Task("overlay", t => t.Command(command).OverlaySize(64))
            .Task("tmpfs", t => t.Command(command).WritableTmpfs())
            .Task("readonly", t => t.Command(command).NoOverlay()));

        Assert.Equal(TaskState.Succeeded, result["overlay"].Outcome.State);
        Assert.Equal("persisted\n", Stdout(result["overlay"]));
        Assert.True(File.Exists(result["overlay"].Workspace!.OverlayPath));
        Assert.Equal(TaskState.Succeeded, result["tmpfs"].Outcome.State);
        Assert.Equal(TaskState.Failed, result["readonly"].Outcome.State);
        Assert.Contains(result["readonly"].Outcome.ErrorTail!, line => line.Contains("Read-only file system", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadOnlyBindRejectsWritesAndReadWriteBindAcceptsThem()
    {
        var data = apptainer.NewFolder("data");
        File.WriteAllText(Path.Combine(data, "input.txt"), "host data");
        var result = await RunAsync(Busybox()
            .Task("ro", t => t.Command("cat /data/input.txt && touch /data/written-ro").Bind($"{data}:/data:ro").WritableTmpfs())
            .Task("rw", t => t.Command("cat /data/input.txt > /data/written-rw").Bind($"{data}:/data").WritableTmpfs()));

        Assert.Equal(TaskState.Failed, result["ro"].Outcome.State);
        Assert.Contains(result["ro"].Outcome.ErrorTail!, line => line.Contains("Read-only file system", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(data, "written-ro")));
        Assert.Equal(TaskState.Succeeded, result["rw"].Outcome.State);
        Assert.Equal("host data", File.ReadAllText(Path.Combine(data, "written-rw")));
    }

    [Fact]
    public async Task FailingTaskFailsTheRunSkipsDependentsAndLetsIndependentTasksFinish()
    {
        var result = await RunAsync(Busybox()
            .Remove(false)
            .Task("A", "echo a > a.txt")
            .Task("B", "cat workflow:///A/a.txt; echo 'about to fail' >&2; exit 3")
            .Task("C", "sleep 1; cat workflow:///A/a.txt > c.txt")
            .Task("D", "cat workflow:///B/a.txt workflow:///C/c.txt"));

        Assert.False(result.Succeeded);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(TaskState.Failed, result["B"].Outcome.State);
        Assert.Equal(3, result["B"].Outcome.ExitCode);
        Assert.Equal("command exited with code 3", result["B"].Outcome.Reason);
        Assert.Contains("about to fail", result["B"].Outcome.ErrorTail!);
        Assert.Equal(TaskState.Succeeded, result["C"].Outcome.State);
        Assert.Equal("a\n", File.ReadAllText(Path.Combine(result["C"].Workspace!.WorkDir, "c.txt")));
        Assert.Equal(TaskState.Skipped, result["D"].Outcome.State);
        Assert.False(File.Exists(result["D"].Workspace!.StdoutPath));
        Assert.Contains("Task 'B' failed: command exited with code 3", RunSummary.Format(result));
    }

    [Fact]
    public async Task RemoveDeletesTheWorkDirAndKeepLeavesIt()
    {
        var result = await RunAsync(Busybox()
            .Task("removed", t => t.Command("echo x > x.txt").OverlaySize(64))
            .Task("kept", t => t.Command("echo y > y.txt").OverlaySize(64).Remove(false)));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.False(Directory.Exists(result["removed"].Workspace!.Root));
        Assert.Equal("y\n", File.ReadAllText(Path.Combine(result["kept"].Workspace!.WorkDir, "y.txt")));
        Assert.True(File.Exists(result["kept"].Workspace!.OverlayPath));
        Assert.Equal("", File.ReadAllText(result["kept"].Workspace!.StderrPath));
    }

    [Fact]
    public async Task ReferenceToAFileTheProducerDidNotWriteFailsTheConsumer()
    {
        var result = await RunAsync(Busybox()
            .Task("A", t => t.Command("echo nothing useful").WritableTmpfs())
            .Task("B", t => t.Command("cat workflow:///A/output/f1.txt").WritableTmpfs()));

        Assert.Equal(TaskState.Succeeded, result["A"].Outcome.State);
        Assert.Equal(TaskState.Failed, result["B"].Outcome.State);
        Assert.StartsWith("Task 'B' references 'workflow:///A/output/f1.txt', but task 'A' did not produce 'output/f1.txt'",
            result["B"].Outcome.Reason);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task MissingImageFileFailsBeforeAnyTaskStarts()
    {
        var missing = Path.Combine(_tmp, "nowhere", "missing.sif");
        var result = await RunAsync(Busybox()
            .Task("A", "echo should not run > ran.txt")
            .Task("B", t => t.Command("echo b").Image(missing)));

        Assert.Equal($"Task 'B' could not be prepared: image file '{missing}' does not exist", result.SetupError);
        Assert.Equal(TaskState.Skipped, result["A"].Outcome.State);
        Assert.False(File.Exists(result["A"].Workspace!.StdoutPath));
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task MissingBindSourceFailsBeforeAnyTaskStarts()
    {
        var result = await RunAsync(Busybox().Task("A", t => t.Command("ls /data").Bind("/no/such/folder:/data:ro")));
        Assert.Equal("Task 'A' could not be prepared: bind source '/no/such/folder' (in '/no/such/folder:/data:ro') does not exist on this machine",
            result.SetupError);
    }

    [Fact]
    public async Task ImageBuildFailureCarriesApptainersMessage()
    {
        var definition = Path.Combine(apptainer.NewFolder("def"), "broken.def");
        File.WriteAllText(definition, "Bootstrap: localimage\nFrom: /no/such/base.sif\n");
        var host = Host();
        var result = await RunAsync(Busybox().DefaultImage(definition).Task("A", "echo"), host);

        Assert.NotNull(result.SetupError);
        Assert.Contains($"building image from '{definition}' failed (apptainer build exited with", result.SetupError);
        Assert.Contains("FATAL", result.SetupError);
        Assert.Empty(Directory.GetFiles(_cache, "*.sif"));
    }

    [Fact]
    public async Task MissingApptainerIsReportedWithHowToInstallIt()
    {
        var result = await RunAsync(Busybox().Task("A", "echo"), Host(new() { ["apptainer:executable"] = "apptainer-not-installed" }));

        Assert.StartsWith("apptainer: command not found: 'apptainer-not-installed' is not on PATH", result.SetupError);
        Assert.Contains("scripts/setup-apptainer.sh", result.SetupError);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task SandboxDirectoryImageIsUsedInPlace()
    {
        var host = Host();
        var result = await RunAsync(Busybox().DefaultImage(apptainer.BusyboxSandbox).Remove(false)
            .Task("A", t => t.Command("echo from-sandbox; echo warn >&2").WritableTmpfs()), host);

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal(0, host.ImageCache.BuildCount);
        Assert.Equal("from-sandbox\n", Stdout(result["A"]));
        Assert.Equal("warn\n", File.ReadAllText(result["A"].Workspace!.StderrPath));
        Assert.Contains(host.Log, line => line == "[A] from-sandbox");
        Assert.Contains(host.Log, line => line.StartsWith("Executing in container: echo from-sandbox", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EnvironmentValuesArriveIntact()
    {
        var result = await RunAsync(Busybox().Remove(false)
            .Task("A", t => t.Command("echo \"$LIST|$QUOTED\"").Env("LIST", "a,b,c").Env("QUOTED", "it's $HOME").WritableTmpfs()));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal("a,b,c|it's $HOME\n", Stdout(result["A"]));
    }

    [Fact]
    public async Task TimeoutKillsTheContainerAndFailsTheTask()
    {
        var sleep = UniqueSleep();
        var result = await RunAsync(Busybox().Task("slow", t => t.Command(sleep).Timeout(TimeSpan.FromSeconds(1)).WritableTmpfs()));

        Assert.Equal(TaskState.Failed, result["slow"].Outcome.State);
        Assert.Equal("timed out after 1 s; the container was killed", result["slow"].Outcome.Reason);
        Assert.True(result.WallTime < TimeSpan.FromSeconds(60), $"took {result.WallTime}");
        Assert.Empty(ProcessesRunning(sleep + " "));
    }

    [Fact]
    public async Task CancellationKillsRunningContainersAndCleansUp()
    {
        using var cancellation = new CancellationTokenSource();
        var host = Host();
        var sleep = UniqueSleep();
        var run = RunAsync(Busybox()
            .Task("sleeper", t => t.Command($"echo started; {sleep}").WritableTmpfs())
            .Task("after", t => t.Command("echo never").DependsOn("sleeper").WritableTmpfs()), host, cancellation.Token);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!host.Log.Contains("[sleeper] started") && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Contains("[sleeper] started", host.Log);
        Assert.NotEmpty(ProcessesRunning(sleep + " "));
        cancellation.Cancel();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.Cancelled);
        Assert.Equal(130, result.ExitCode);
        Assert.Equal(TaskState.Cancelled, result["sleeper"].Outcome.State);
        Assert.Equal(TaskState.Cancelled, result["after"].Outcome.State);
        Assert.Empty(ProcessesRunning(sleep + " "));
        Assert.False(Directory.Exists(result["sleeper"].Workspace!.Root));
    }

    [Fact]
    public async Task OverlayThatDoesNotFitFailsTheTaskSayingSo()
    {
        var tiny = apptainer.NewFolder("tiny");
        await ApptainerFixture.Run("/bin/mount", "-t", "tmpfs", "-o", "size=128k,mode=1777", "tmpfs", tiny);
        try
        {
            var host = Host(new() { ["dagon:tmp_dir"] = tiny });
            var result = await RunAsync(Busybox().Task("big", t => t.Command("echo hi").OverlaySize(1024)), host);

            Assert.Equal(TaskState.Failed, result["big"].Outcome.State);
            Assert.Contains("could not create the 1024 MB overlay", result["big"].Outcome.Reason);
            Assert.Contains($"There is not enough free space in {result["big"].Workspace!.Root}", result["big"].Outcome.Reason);
            Assert.False(Directory.Exists(result["big"].Workspace!.Root));
        }
        finally
        {
            await ApptainerFixture.Run("/bin/umount", tiny);
        }
    }

    /// <summary>Process ids whose command line contains <paramref name="text"/> (read from /proc).</summary>
    /// <summary>
    /// A sleep of its own (a few minutes and a random part), so that looking for it among every process on the machine
    /// finds this test's and no other's.
    /// </summary>
    private static string UniqueSleep() => $"sleep {Random.Shared.Next(300_000, 399_999).ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    internal static List<int> ProcessesRunning(string text)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(text, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
