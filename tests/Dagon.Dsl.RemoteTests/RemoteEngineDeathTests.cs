using System.Diagnostics;
using System.Globalization;
using Dagon.Dsl.IntegrationTests;
using Dagon.Journal;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

/// <summary>
/// A real engine process (tests/Dagon.Dsl.SignalTarget) running tasks on the real SSH node dies: whatever it ran
/// there stops with it (the remote watcher sees the engine's channel close), and <c>--resume</c> after a SIGKILL
/// runs only what had not finished, the killed run's task never going on behind the new one's back.
/// </summary>
[Collection(RemoteNodeCollection.Name)]
public sealed class RemoteEngineDeathTests(RemoteNode node, ITestOutputHelper output)
{
    private readonly string _local = Directory.CreateTempSubdirectory("dagon-remote-death-").FullName;

    private EngineProcess Start(string mode, Dictionary<string, string> environment, params string[] extra)
    {
        var settings = node.Config();
        settings["dagon:state_dir"] = Path.Combine(_local, "state");
        environment["DAGON_TEST_MODE"] = mode;
        return EngineProcess.Start(environment, [.. settings.Select(s => $"--{s.Key}={s.Value}"), "--progress=plain", .. extra]);
    }

    /// <summary>The node's processes whose command line holds <paramref name="marker"/> (the <c>ps</c> itself never does).</summary>
    private string[] ProcessesOnNode(string marker)
    {
        var (code, listing) = node.Ssh("ps -eo pid=,args=");
        Assert.True(code == 0, "ps failed on the node: " + listing);
        return listing.Split('\n').Where(l => l.Contains(marker, StringComparison.Ordinal)).ToArray();
    }

    /// <summary>How long the node took to have none of them left; fails after <paramref name="limit"/>.</summary>
    private async Task<TimeSpan> GoneFromNodeAsync(string marker, TimeSpan limit)
    {
        var stopwatch = Stopwatch.StartNew();
        string[] left;
        while ((left = ProcessesOnNode(marker)).Length > 0)
        {
            Assert.True(stopwatch.Elapsed < limit, $"still on the node {limit.TotalSeconds:0} s after the engine died:\n{string.Join('\n', left)}");
            await Task.Delay(200);
        }

        return stopwatch.Elapsed;
    }

    private static void Signal(Process process, string signal) =>
        RemoteNode.Run("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)]);

    [Theory]
    [InlineData("KILL", 137)]
    [InlineData("HUP", 129)]
    public async Task A_remote_task_stops_on_the_node_when_the_engine_dies(string signal, int exitCode)
    {
        var marker = Random.Shared.Next(10_000, 99_999).ToString(CultureInfo.InvariantCulture);
        using var engine = Start("remote", new() { ["DAGON_TEST_MARKER"] = marker });
        await engine.WaitForAsync(o => o.Contains("[Sleeper] started", StringComparison.Ordinal), "the remote task running");
        Assert.NotEmpty(ProcessesOnNode($"sleep {marker}4")); // the check below sees the task while it runs

        Signal(engine.Process, signal);
        await engine.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        output.WriteLine(engine.Output);
        Assert.Equal(exitCode, engine.Process.ExitCode);

        var took = await GoneFromNodeAsync(marker, TimeSpan.FromSeconds(10));
        output.WriteLine($"no process of the task left on the node {took.TotalMilliseconds:0} ms after SIG{signal}");
    }

    [Fact]
    public async Task A_command_run_without_a_control_folder_stops_on_the_node_when_its_connection_is_cut_and_one_that_ends_reports_its_status()
    {
        await using var harness = new Harness(new Dictionary<string, string?>(node.Config()), output);
        var place = harness.Place("node");
        var ended = await place.RunAsync(new Dagon.Places.PlaceCommand(["sh", "-c", "echo out; echo err >&2; exit 3"]) { CaptureStdout = true }, default);
        Assert.Equal((3, "out\n", "err"), (ended.ExitCode, ended.Stdout, string.Join('|', ended.StderrTail)));

        var marker = Random.Shared.Next(10_000, 99_999).ToString(CultureInfo.InvariantCulture);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = place.RunAsync(new Dagon.Places.PlaceCommand(["sh", "-c", $"echo started; sleep {marker}5"]) { OnStdout = _ => started.TrySetResult() }, default);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEmpty(ProcessesOnNode($"sleep {marker}5"));

        Assert.InRange(node.KillSshSessions(), 1, 100); // the link drops: sshd closes the program's channel
        var took = await GoneFromNodeAsync(marker, TimeSpan.FromSeconds(10));
        output.WriteLine($"no process of the command left on the node {took.TotalMilliseconds:0} ms after the cut");
        await Assert.ThrowsAsync<Dagon.Places.Ssh.SshConnectionLostException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task After_a_SIGKILL_while_B_runs_on_the_node_resume_runs_B_again_once_and_the_killed_B_never_goes_on()
    {
        var count = $"/tmp/{node.User}/dagon-count-{Guid.NewGuid():N}";
        Assert.Equal(0, node.Ssh($"mkdir -p {count}").Code);
        Dictionary<string, string> Environment() => new() { ["DAGON_TEST_COUNT"] = count, ["DAGON_TEST_RESULTS"] = _local };
        string[] Lines(string file) => node.Ssh($"cat {count}/{file} 2>/dev/null").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        using (var first = Start("remotedataflow", Environment()))
        {
            await first.WaitForAsync(o => o.Contains("[B] started", StringComparison.Ordinal) && o.Contains("[A] Task completed", StringComparison.Ordinal),
                "B waiting on the node and A finished");
            await Task.Delay(JournalWriter.Window + TimeSpan.FromSeconds(1)); // A's record committed (README: what a killed engine can lose)
            first.Process.Kill(); // SIGKILL
            await first.Process.WaitForExitAsync();
            output.WriteLine(first.Output);
        }

        // At once: a B left running would see the file within 0.2 s and finish.
        Assert.Equal(0, node.Ssh($"touch {count}/go").Code);
        await GoneFromNodeAsync(count + "/go", TimeSpan.FromSeconds(10));
        Assert.Equal(["A", "B"], Lines("execs"));

        using var resumed = Start("remotedataflow", Environment(), "--resume");
        var exitCode = await resumed.ExitAsync();
        output.WriteLine(resumed.Output);

        Assert.Equal(0, exitCode);
        Assert.Contains("Reused (not run again): A", resumed.Output, StringComparison.Ordinal);
        Assert.Equal(["A", "B", "B", "C"], Lines("execs"));
        Assert.Equal(["B"], Lines("finished")); // the resumed B only: the killed one was stopped while it waited
        Assert.Equal("42\nb\nc\n", File.ReadAllText(Path.Combine(_local, "results", "f3.txt")));
        node.Ssh($"rm -rf {count}");
    }
}
