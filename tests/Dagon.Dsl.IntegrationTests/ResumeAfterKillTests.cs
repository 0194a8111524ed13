using Dagon.Journal;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// A real engine (tests/Dagon.Dsl.SignalTarget, mode dataflow: A -> B, C -> D in real containers, C waiting for a
/// file) is SIGKILLed, or stopped by SIGHUP, while C runs; <c>--resume</c> then runs C and D only, and D's published
/// output is right.
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class ResumeAfterKillTests(ApptainerFixture apptainer, ITestOutputHelper output)
{
    private EngineProcess Start(string tmp, string state, string count, params string[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["DAGON_TEST_IMAGE"] = apptainer.BusyboxSif,
            ["DAGON_TEST_MODE"] = "dataflow",
            ["DAGON_TEST_COUNT"] = count,
        };
        return EngineProcess.Start(environment,
            ["--tmp-dir", tmp, "--image-cache", apptainer.NewFolder("cache"), "--state-dir", state, "--remove", "true", .. extra]);
    }

    private static string[] Execs(string count) => File.ReadAllLines(Path.Combine(count, "execs"));

    [Theory]
    [InlineData("KILL", 137)]
    [InlineData("HUP", 129)]
    public async Task After_the_engine_is_stopped_during_C_resume_runs_only_C_and_D_from_a_clean_folder_and_D_is_right(string signal, int exitCode)
    {
        var tmp = apptainer.NewFolder("tmp");
        var state = apptainer.NewFolder("state");
        var count = apptainer.NewFolder("count");

        using (var first = Start(tmp, state, count))
        {
            await first.WaitForAsync(o => o.Contains("[C] started", StringComparison.Ordinal) && o.Contains("[B] Task completed", StringComparison.Ordinal),
                "C running and B finished");
            // B's record is committed within the journal's group-commit window of B's end (README: what a killed
            // engine can lose); C waits for a file meanwhile, so it is still running when the signal comes.
            await Task.Delay(JournalWriter.Window + TimeSpan.FromSeconds(1));
            await ApptainerFixture.Run("kill", "-" + signal, first.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await first.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            output.WriteLine(first.Output);
            Assert.Equal(exitCode, first.Process.ExitCode);
        }

        Assert.Equal(["A", "B", "C"], Execs(count).Order());
        var killedRun = Directory.GetDirectories(tmp, "dagon-*").Single();
        Assert.True(File.Exists(Path.Combine(killedRun, "A", "work", "output", "f1.txt")), "A's output stays for --resume");
        Assert.True(File.Exists(Path.Combine(killedRun, "B", "work", "f2.txt")), "B's output stays for --resume");
        if (signal == "KILL") File.WriteAllText(Path.Combine(killedRun, "C", "work", "f2.txt"), "half-written by the killed run");
        else Assert.False(Directory.Exists(Path.Combine(killedRun, "C")), "a stopping engine removes its cancelled task's folder");
        File.WriteAllText(Path.Combine(count, "go"), "");

        using var resumed = Start(tmp, state, count, "--resume");
        var resumedExit = await resumed.ExitAsync();
        output.WriteLine(resumed.Output);

        Assert.Equal(0, resumedExit);
        Assert.Equal(["C", "D"], Execs(count)[3..]);
        Assert.False(Directory.Exists(killedRun), "a successful run removes the folders it reused, per remove = true");
        Assert.Contains("Reused (not run again): A, B", resumed.Output);
        Assert.Equal("42\nb\n42\nc\n", File.ReadAllText(Path.Combine(count, "results", "f3.txt")));
        Assert.Empty(Directory.GetFiles(Path.Combine(count, "results"), "*.dagon-partial"));

        // Every run has its logs and JSON in the state folder; the journal holds each task's success once per run that ran it.
        var runs = Directory.GetDirectories(Path.Combine(state, "runs"));
        Assert.Equal(2, runs.Length);
        Assert.All(runs, run => Assert.True(File.Exists(Path.Combine(run, "logs", "A.out")) || File.Exists(Path.Combine(run, "logs", "C.out"))));
        Assert.All(runs, run => Assert.True(File.Exists(Path.Combine(run, "run.json")) || !File.Exists(Path.Combine(run, "logs", "D.out"))));
        using var journal = new TaskJournal(Path.Combine(state, "journal.db"));
        Assert.Equal(["A", "B", "C", "D"], journal.All().Where(r => r.State == "succeeded").Select(r => r.Task).Order());
    }

    [Fact]
    public async Task A_SIGKILL_during_publish_leaves_no_file_under_the_published_name_and_the_next_publish_leaves_no_partial()
    {
        var count = apptainer.NewFolder("count");
        var results = Path.Combine(count, "results");
        var environment = new Dictionary<string, string> { ["DAGON_TEST_MODE"] = "publish", ["DAGON_TEST_COUNT"] = count };
        string[] Arguments() => ["--tmp-dir", apptainer.NewFolder("tmp"), "--state-dir", apptainer.NewFolder("state")];

        // The partial copy lives for about a second. Polling from a test thread misses it when the machine is busy
        // (the thread pool is shared with the other suites' runs), so inotify reports it and its own thread kills.
        Directory.CreateDirectory(results);
        using var watcher = new FileSystemWatcher(results, "*" + OutputPublisher.PartialSuffix);
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (var first = EngineProcess.Start(environment, Arguments()))
        {
            watcher.Created += (_, _) =>
            {
                try { first.Process.Kill(); } // SIGKILL mid-copy
                catch (InvalidOperationException) { } // already ended: the assertions below say so
                killed.TrySetResult();
            };
            watcher.EnableRaisingEvents = true;
            var ended = first.Process.WaitForExitAsync();
            await Task.WhenAny(killed.Task, ended).WaitAsync(TimeSpan.FromMinutes(2));
            await ended.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.True(killed.Task.IsCompleted, "the engine ended before publishing:\n" + first.Output);
        }

        Assert.False(File.Exists(Path.Combine(results, "big.bin")), "the published name must never hold a half-written file");
        Assert.Single(Directory.GetFiles(results, "*.dagon-partial"));

        using var second = EngineProcess.Start(environment, Arguments());
        Assert.Equal(0, await second.ExitAsync());
        Assert.Equal(600L * 1024 * 1024, new FileInfo(Path.Combine(results, "big.bin")).Length);
        Assert.Empty(Directory.GetFiles(results, "*.dagon-partial"));
    }
}
