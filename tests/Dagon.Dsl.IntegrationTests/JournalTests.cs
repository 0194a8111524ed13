using Dagon.Execution;
using Dagon.Journal;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>Declared outputs, durable logs, the journal and --resume on real processes and real containers.</summary>
[Collection(ApptainerCollection.Name)]
public sealed class JournalTests(ApptainerFixture apptainer, ITestOutputHelper output) : IDisposable
{
    private readonly List<TestHost> _hosts = [];
    private readonly string _tmp = apptainer.NewFolder("tmp");
    private readonly string _state = apptainer.NewFolder("state");
    private readonly string _count = apptainer.NewFolder("count");

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    private async Task<RunResult> RunAsync(WorkflowBuilder workflow, bool resume = false, Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?> { ["dagon:state_dir"] = _state, ["dagon:resume"] = resume ? "true" : "false", ["dagon:retry_delay"] = "0.05" };
        foreach (var (key, value) in settings ?? []) values[key] = value;
        var host = new TestHost(output, apptainer.NewFolder("cache"), _tmp, values);
        _hosts.Add(host);
        var result = await host.Runner.RunAsync(workflow.Build());
        output.WriteLine(RunSummary.Format(result));
        return result;
    }

    private string Execs => Path.Combine(_count, "execs");

    /// <summary>The demo's shape as batch tasks; <paramref name="b"/> is B's command.</summary>
    private WorkflowBuilder Demo(string b = "cat workflow:///A/output/f1.txt > f2.txt; echo b >> f2.txt") =>
        Workflow.Create("demo").Remove(false)
            .BatchTask("A", $"echo A >> {Execs}; mkdir -p output && echo 42 > output/f1.txt", t => t.Outputs("output/f1.txt"))
            .BatchTask("B", $"echo B >> {Execs}; {b}", t => t.Outputs("f2.txt"))
            .BatchTask("C", $"echo C >> {Execs}; cat workflow:///A/output/f1.txt > f2.txt; echo c >> f2.txt", t => t.Outputs("f2.txt"))
            .BatchTask("D", $"echo D >> {Execs}; cat workflow:///B/f2.txt workflow:///C/f2.txt > f3.txt", t => t.Outputs("f3.txt"));

    private string[] ExecsSince(int before) => File.ReadAllLines(Execs)[before..].Order().ToArray();

    [Fact]
    public async Task EditingOneCommandRerunsExactlyThatTaskAndItsDependents()
    {
        Assert.True((await RunAsync(Demo())).Succeeded);
        var before = File.ReadAllLines(Execs).Length;

        var unchanged = await RunAsync(Demo(), resume: true);
        Assert.True(unchanged.Succeeded);
        Assert.Empty(ExecsSince(before));

        var edited = await RunAsync(Demo("cat workflow:///A/output/f1.txt > f2.txt; echo B-edited >> f2.txt"), resume: true);
        Assert.True(edited.Succeeded, RunSummary.Format(edited));
        Assert.Equal(["B", "D"], ExecsSince(before));
        Assert.Equal("42\nB-edited\n42\nc\n", File.ReadAllText(Path.Combine(edited["D"].Workspace!.WorkDir, "f3.txt")));
    }

    [Fact]
    public async Task ADeletedDeclaredOutputMakesItsProducerRunAgain()
    {
        var first = await RunAsync(Demo());
        Assert.True(first.Succeeded);
        File.Delete(Path.Combine(first["C"].Workspace!.WorkDir, "f2.txt"));
        var before = File.ReadAllLines(Execs).Length;

        var resumed = await RunAsync(Demo(), resume: true);

        Assert.True(resumed.Succeeded, RunSummary.Format(resumed));
        // C makes the same f2.txt again, so D's inputs are unchanged and D is reused.
        Assert.Equal(["C"], ExecsSince(before));
    }

    [Fact]
    public async Task AMissingDeclaredOutputFailsTheTaskNamingThePathAndTheSummaryPointsAtTheLog()
    {
        var result = await RunAsync(Workflow.Create("missing")
            .BatchTask("maker", "echo made; echo oops >&2; touch present.csv", t => t.Outputs("present.csv", "results/*.csv", "absent.txt")));

        Assert.Equal(TaskState.Failed, result["maker"].Outcome.State);
        var reason = result["maker"].Outcome.Reason!;
        Assert.Contains("declared outputs missing after a successful exit: results/*.csv, absent.txt", reason);
        var log = Directory.GetFiles(_state, "maker.err", SearchOption.AllDirectories).Single();
        Assert.Equal(log, result["maker"].Timings.LogFile);
        Assert.Equal("oops\n", File.ReadAllText(log));
        Assert.Equal("made\n", File.ReadAllText(Path.ChangeExtension(log, ".out")));
        Assert.Contains($"Task 'maker' failed: {reason} (log: {log})", RunSummary.Format(result));
    }

    [Fact]
    public async Task LogsOutliveRemovedWorkFoldersAndContainerOutputsArePublished()
    {
        var published = apptainer.NewFolder("published");
        var result = await RunAsync(Workflow.Create("kept").DefaultImage(apptainer.BusyboxSif)
            .Task("A", t => t.Command("echo hello; mkdir -p results && echo 1,2 > results/a.csv && echo 3,4 > results/b.csv")
                .Outputs("results/*.csv").WritableTmpfs().Publish(published)));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.False(Directory.Exists(result["A"].Workspace!.Root));
        Assert.Equal("hello\n", File.ReadAllText(Directory.GetFiles(_state, "A.out", SearchOption.AllDirectories).Single()));
        Assert.Equal("1,2\n", File.ReadAllText(Path.Combine(published, "results", "a.csv")));
        Assert.Equal("3,4\n", File.ReadAllText(Path.Combine(published, "results", "b.csv")));
        Assert.Single(Directory.GetFiles(_state, "run.json", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ATaskFailingTwiceWithARetriedCodeSucceedsOnItsThirdAttemptAndAnotherCodeIsNotRetried()
    {
        var tries = Path.Combine(_count, "tries");
        var once = Path.Combine(_count, "once");
        var result = await RunAsync(Workflow.Create("retries")
            .BatchTask("flaky", $"echo try >> {tries}; touch leftover-$(wc -l < {tries}); ls; [ $(wc -l < {tries}) -ge 3 ] || exit 75",
                t => t.Retries(2, 75))
            .BatchTask("broken", $"echo try >> {once}; exit 3", t => t.Retries(2, 75)));

        Assert.Equal(TaskState.Succeeded, result["flaky"].Outcome.State);
        Assert.Equal(3, result["flaky"].Timings.Attempts);
        Assert.Equal(3, File.ReadAllLines(tries).Length);
        // Each attempt starts in a clean folder and keeps its own log.
        var logs = Path.GetDirectoryName(Directory.GetFiles(_state, "flaky.out", SearchOption.AllDirectories).Single())!;
        Assert.Equal("leftover-1\n", File.ReadAllText(Path.Combine(logs, "flaky.attempt1.out")));
        Assert.Equal("leftover-2\n", File.ReadAllText(Path.Combine(logs, "flaky.attempt2.out")));
        Assert.Equal("leftover-3\n", File.ReadAllText(Path.Combine(logs, "flaky.out")));
        Assert.Equal(TaskState.Failed, result["broken"].Outcome.State);
        Assert.Equal(3, result["broken"].Outcome.ExitCode);
        Assert.Single(File.ReadAllLines(once));
        Assert.Contains("Retried: flaky (3 attempts; attempt 2: exit-code)", RunSummary.Format(result));
    }

    [Fact]
    public async Task ATimedOutAttemptIsRetriedWhenNoExitCodesAreNamedAndTheLogNamesTheKind()
    {
        var tries = Path.Combine(_count, "slow-tries");
        var result = await RunAsync(Workflow.Create("timeouts")
            .BatchTask("slow-once", $"echo try >> {tries}; [ $(wc -l < {tries}) -ge 2 ] || sleep 30",
                t => t.Timeout(TimeSpan.FromSeconds(1)).Retries(1)));

        Assert.Equal(TaskState.Succeeded, result["slow-once"].Outcome.State);
        Assert.Equal(2, result["slow-once"].Timings.Attempts);
        Assert.Contains(_hosts[^1].Log, line => line.Contains("Attempt 1 failed (timeout: timed out after 1 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoConcurrentRunsResumingFromOneStateFolderLoseNoRecords()
    {
        WorkflowBuilder Many(string name)
        {
            var workflow = Workflow.Create(name).Remove(false);
            for (var i = 0; i < 150; i++) workflow.BatchTask($"t{i}", $"echo {name}-{i} > out.txt", t => t.Outputs("out.txt"));
            return workflow;
        }

        var settings = new Dictionary<string, string?> { ["dagon:max_parallelism"] = "8" };
        var earlier = await RunAsync(Many("left"), false, settings);
        Assert.True(earlier.Succeeded);

        // One run resumes "left" (all reused) while another records "right" into the same journal.
        var runs = await Task.WhenAll(RunAsync(Many("left"), true, settings), RunAsync(Many("right"), true, settings));

        Assert.All(runs, r => Assert.True(r.Succeeded));
        Assert.All(runs[0].Tasks, t => Assert.Equal(earlier.Plan.RunId, t.Timings.ReusedFrom));
        Assert.All(runs[1].Tasks, t => Assert.Null(t.Timings.ReusedFrom));
        using var journal = new TaskJournal(Path.Combine(_state, "journal.db"));
        Assert.Equal("ok", journal.IntegrityCheck());
        var records = journal.All();
        Assert.Equal(300, records.Count);
        Assert.Equal(300, records.Select(r => (r.RunId, r.Task)).Distinct().Count());
        var again = await RunAsync(Many("right"), true, settings);
        Assert.Equal(150, again.Tasks.Count(t => t.Timings.ReusedFrom == runs[1].Plan.RunId));
    }
}
