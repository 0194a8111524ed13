using System.Diagnostics;
using Dagon.Execution;
using Dagon.Journal;
using Dagon.LocalFiles;
using Dagon.Model;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

/// <summary>
/// Outputs that outlive a run on the real SSH node: a failed run's folder kept there and removed by the clean command
/// of a real workflow program, a host clean cannot reach, and --resume checking remote outputs by size and sha256.
/// </summary>
[Collection(RemoteNodeCollection.Name)]
public sealed class RemoteCleanTests(RemoteNode node, ITestOutputHelper output)
{
    private readonly string _state = Path.Combine(Directory.CreateTempSubdirectory("dagon-remote-clean-").FullName, "state");

    private Dictionary<string, string?> Settings(bool resume = false)
    {
        var settings = node.Config();
        settings["dagon:state_dir"] = _state;
        settings["dagon:resume"] = resume ? "true" : "false";
        return settings;
    }

    private async Task<RunResult> RunAsync(WorkflowBuilder workflow, bool resume = false)
    {
        await using var harness = new Harness(Settings(resume), output);
        return await harness.RunAsync(workflow);
    }

    /// <summary>The workflow program's clean command (or another), with the node's profile given as dagon.ini keys on its command line.</summary>
    private (int ExitCode, string Output) Clean(int? port = null) => Program(["clean", "--all"], port);

    private (int ExitCode, string Output) Program(string[] command, int? port = null)
    {
        var settings = node.Config(port: port);
        settings["dagon:state_dir"] = _state;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "DataflowDemo.Remote.dll"), .. command]) start.ArgumentList.Add(argument);
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "clean did not finish within two minutes");
        output.WriteLine(stdout.Result + stderr.Result);
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private bool ExistsOnNode(string path) => node.Ssh($"test -e '{path.Replace("'", "'\\''", StringComparison.Ordinal)}'").Code == 0;

    private string[] RecordedRuns()
    {
        using var journal = new TaskJournal(Path.Combine(_state, "journal.db"));
        return journal.All().Select(r => r.RunId).Distinct().ToArray();
    }

    [Fact]
    public async Task A_failed_runs_folder_stays_on_the_node_until_clean_removes_it_there_and_an_unreachable_node_is_reported_and_retried()
    {
        // remove = true (the default): a producer whose reader failed is kept all the same, for --resume.
        var result = await RunAsync(Workflow.Create("remote-clean")
            .BatchTask("made", "echo made > out.txt", t => t.OnHost("node").Outputs("out.txt"))
            .BatchTask("broken", "cat workflow:///made/out.txt; exit 3", t => t.OnHost("node")));
        Assert.Equal(TaskState.Failed, result["broken"].Outcome.State);
        var folder = result["made"].Workspace!.RunDirectory;
        Assert.True(ExistsOnNode(folder + "/made/work/out.txt"), "a failed run keeps its finished task's folder on the node for --resume");
        Assert.True(ExistsOnNode(folder + "/.resumable"), "the kept folder is marked, so no sweep of abandoned runs takes it");

        var (listed, listing) = Program(["runs"]);
        Assert.Equal(0, listed);
        Assert.Contains($"  {result.Plan.RunId} ", listing, StringComparison.Ordinal);
        Assert.Contains($"node:{folder}", listing, StringComparison.Ordinal);

        var (refused, report) = Clean(port: 2299);

        Assert.Equal(1, refused);
        Assert.Contains("Host 'node' could not be reached: ", report, StringComparison.Ordinal);
        Assert.Contains("ConnectionRefused", report, StringComparison.Ordinal);
        Assert.Contains($"Kept run {result.Plan.RunId}: host 'node' could not be reached", report, StringComparison.Ordinal);
        Assert.True(ExistsOnNode(folder));
        Assert.Equal([result.Plan.RunId], RecordedRuns());

        var (exitCode, retried) = Clean();

        Assert.Equal(0, exitCode);
        Assert.Contains($"Removed run {result.Plan.RunId} (2 task(s), ", retried, StringComparison.Ordinal);
        Assert.Contains($"node:{folder}", retried, StringComparison.Ordinal);
        Assert.False(ExistsOnNode(folder));
        Assert.Empty(RecordedRuns());
        Assert.False(Directory.Exists(Path.Combine(_state, "runs", result.Plan.RunId)));
    }

    [Fact]
    public async Task A_remote_output_changed_between_runs_makes_resume_run_its_producer_again()
    {
        WorkflowBuilder Flow() => Workflow.Create("remote-resume").Remove(false)
            .BatchTask("A", "echo aaaa > f1.txt", t => t.OnHost("node").Outputs("f1.txt"))
            .BatchTask("B", "cat workflow:///A/f1.txt > f2.txt", t => t.OnHost("node").Outputs("f2.txt"));
        var first = await RunAsync(Flow());
        Assert.True(first.Succeeded);
        using (var journal = new TaskJournal(Path.Combine(_state, "journal.db")))
        {
            var recorded = journal.All().Single(r => r.Task == "A").Outputs.Single();
            Assert.Equal(new RecordedOutput("f1.txt", 5, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("aaaa\n"u8))), recorded);
        }

        var unchanged = await RunAsync(Flow(), resume: true);
        Assert.Equal(first.Plan.RunId, unchanged["A"].Timings.ReusedFrom);

        // The same size, other bytes: only the checksum computed on the node tells them apart.
        Assert.Equal(0, node.Ssh($"printf 'bbbb\\n' > '{first["A"].Workspace!.WorkDir}/f1.txt'").Code);
        var changed = await RunAsync(Flow(), resume: true);

        Assert.True(changed.Succeeded);
        Assert.Null(changed["A"].Timings.ReusedFrom);
        Assert.Equal(1, changed["A"].Timings.Attempts);
        // A makes the same file again, so B's input is what it was and B is reused.
        Assert.Equal(first.Plan.RunId, changed["B"].Timings.ReusedFrom);
    }

    [Fact]
    public async Task A_dead_engines_run_folder_on_the_node_is_swept_by_the_next_run_and_no_other_is()
    {
        using var gone = Process.Start("true")!;
        gone.WaitForExit();
        var dead = $"{MachineId.Current} {gone.Id} 1";
        var parent = $"/tmp/{node.User}/dagon work";
        var folders = new Dictionary<string, string?>
        {
            ["dagon-dead-1"] = dead,
            ["dagon-live-1"] = $"{MachineId.Current} {ProcessIdentity.Current}",
            ["dagon-kept-1"] = dead,
            ["dagon-elsewhere-1"] = $"another-machine {gone.Id} 1",
            ["dagon-unmarked-1"] = null,
        };
        foreach (var (name, mark) in folders)
        {
            var path = $"'{parent}/{name}'";
            Assert.Equal(0, node.Ssh($"mkdir -p {path}/A/work" + (mark is null ? "" : $" && printf '%s\\n' '{mark}' > {path}/.owner")).Code);
        }

        Assert.Equal(0, node.Ssh($"touch '{parent}/dagon-kept-1/.resumable'").Code);

        await using var harness = new Harness(Settings(), output);
        var result = await harness.RunAsync(Workflow.Create("after-a-crash").BatchTask("A", "true", t => t.OnHost("node")));

        Assert.True(result.Succeeded);
        Assert.False(ExistsOnNode($"{parent}/dagon-dead-1"));
        Assert.Contains($"Removed the folder of an abandoned run on host 'node': {parent}/dagon-dead-1 (its engine, process {gone.Id} of this machine, is gone)",
            harness.Log, StringComparison.Ordinal);
        foreach (var kept in folders.Keys.Where(n => n != "dagon-dead-1"))
        {
            Assert.True(ExistsOnNode($"{parent}/{kept}"), kept + " must stay");
            node.Ssh($"rm -rf '{parent}/{kept}'");
        }
    }

    [Fact]
    public async Task The_folder_a_SIGKILLed_engine_left_on_the_node_is_swept_by_the_next_run()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Dagon.Dsl.SignalTarget.dll"));
        foreach (var (key, value) in Settings()) start.ArgumentList.Add($"--{key}={value}");
        start.ArgumentList.Add("--progress=plain");
        start.Environment["DAGON_TEST_MODE"] = "remote";
        start.Environment["DAGON_TEST_MARKER"] = "1"; // the sleep stops with the engine's channel; its folder stays for the sweep
        using var engine = Process.Start(start)!;
        _ = engine.StandardError.ReadToEndAsync();
        string? runId = null;
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            while (await engine.StandardOutput.ReadLineAsync(limit.Token) is { } line)
            {
                output.WriteLine(line);
                runId ??= System.Text.RegularExpressions.Regex.Match(line, @"run (\S+),").Groups[1].Value is { Length: > 0 } id ? id : null;
                if (line.Contains("[Sleeper] started", StringComparison.Ordinal)) break;
            }
        }

        engine.Kill(); // SIGKILL: the engine cleans nothing up
        await engine.WaitForExitAsync();
        Assert.NotNull(runId);
        var folder = $"/tmp/{node.User}/dagon work/dagon-{runId}";
        Assert.True(ExistsOnNode(folder + "/.owner"), "the killed engine's run folder, with its owner mark, is left on the node");

        await using var harness = new Harness(Settings(), output);
        var result = await harness.RunAsync(Workflow.Create("next").BatchTask("A", "true", t => t.OnHost("node")));

        Assert.True(result.Succeeded);
        Assert.False(ExistsOnNode(folder));
        Assert.Contains($"Removed the folder of an abandoned run on host 'node': {folder} (its engine, process {engine.Id} of this machine, is gone)",
            harness.Log, StringComparison.Ordinal);
    }
}
