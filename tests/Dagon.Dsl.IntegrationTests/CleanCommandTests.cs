using System.Diagnostics;
using System.Text.Json;
using Dagon.Dsl.Testing;
using Dagon.Execution;
using Dagon.Journal;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// The runs and clean commands of a real workflow program on the state folder and work folders of real runs, one of
/// them still going while clean runs beside it.
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class CleanCommandTests(ApptainerFixture apptainer, ITestOutputHelper output) : IDisposable
{
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "DataflowDemo.dll");
    private readonly List<TestHost> _hosts = [];
    private readonly string _tmp = apptainer.NewFolder("tmp");
    private readonly string _state = apptainer.NewFolder("state");

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    private async Task<RunResult> RunAsync(WorkflowBuilder workflow, bool resume = false, string? json = null)
    {
        var host = new TestHost(output, apptainer.NewFolder("cache"), _tmp, new Dictionary<string, string?>
        {
            ["dagon:state_dir"] = _state, ["dagon:resume"] = resume ? "true" : "false", ["dagon:json"] = json,
            ["dagon:retry_delay"] = "0.1",
        });
        _hosts.Add(host);
        var result = await host.Runner.RunAsync(workflow.Build());
        output.WriteLine(RunSummary.Format(result));
        return result;
    }

    private async Task<(int ExitCode, string Stdout)> ProgramAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _tmp, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[Program, .. arguments, "--state-dir", _state, "--image-cache", apptainer.NewFolder("cache")])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine(await stdout + await stderr);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>A run that keeps its folder for --resume: one task succeeds, the other fails (work folders kept, as for debugging).</summary>
    private static WorkflowBuilder HalfFailing(string name) => Workflow.Create(name).Remove(false)
        .BatchTask("made", "echo made > out.txt", t => t.Outputs("out.txt"))
        .BatchTask("broken", "exit 3");

    private string[] RecordedRuns()
    {
        using var journal = new TaskJournal(Path.Combine(_state, "journal.db"));
        return journal.All().Select(r => r.RunId).Distinct().ToArray();
    }

    private string RunFolder(RunResult result) => result["made"].Workspace!.RunDirectory;

    [Fact]
    public async Task CleanBeforeTheSecondRunRemovesExactlyTheFirstRunsFoldersRecordsAndLogs()
    {
        var first = await RunAsync(HalfFailing("first"));
        var second = await RunAsync(HalfFailing("second"));
        Assert.True(Directory.Exists(RunFolder(first)) && Directory.Exists(RunFolder(second)), "a failed run keeps its finished task's folder");

        var (listed, listing) = await ProgramAsync("runs");
        Assert.Equal(0, listed);
        Assert.Matches($@"\n  {first.Plan.RunId} +\S+ \S+ +\S+ \S+ +2 +1  {RunFolder(first)}\n", listing);

        var (exitCode, stdout) = await ProgramAsync("clean", "--before", second.Plan.RunId);

        Assert.Equal(0, exitCode);
        Assert.Contains($"Removed run {first.Plan.RunId} (2 task(s), ", stdout);
        Assert.False(Directory.Exists(RunFolder(first)));
        Assert.False(Directory.Exists(Path.Combine(_state, "runs", first.Plan.RunId)));
        Assert.True(File.Exists(Path.Combine(RunFolder(second), "made", "work", "out.txt")));
        Assert.True(File.Exists(Path.Combine(_state, "runs", second.Plan.RunId, "logs", "broken.err")));
        Assert.Equal([second.Plan.RunId], RecordedRuns());
    }

    [Fact]
    public async Task CleanAllLeavesARunThatIsStillGoingUntouched()
    {
        var gate = Path.Combine(apptainer.NewFolder("gate"), "open");
        var finished = await RunAsync(HalfFailing("finished"));
        var live = RunAsync(Workflow.Create("live")
            .BatchTask("quick", "echo quick > out.txt", t => t.Outputs("out.txt"))
            .BatchTask("waiter", $"while [ ! -e {gate} ]; do sleep 0.1; done", t => t.DependsOn("quick")));
        // The live run is in the journal once its first task is recorded.
        for (var i = 0; i < 300 && RecordedRuns().Length < 2; i++) await Task.Delay(100);
        var liveId = Assert.Single(RecordedRuns(), id => id != finished.Plan.RunId);

        var (exitCode, stdout) = await ProgramAsync("clean", "--all");
        File.WriteAllText(gate, "");
        var result = await live.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, exitCode);
        Assert.Contains($"Kept run {liveId}: in use: still running (engine process {Environment.ProcessId})", stdout);
        Assert.False(Directory.Exists(RunFolder(finished)));
        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal([liveId], RecordedRuns());
        using var journal = new TaskJournal(Path.Combine(_state, "journal.db"));
        Assert.Equal("ok", journal.IntegrityCheck());
        Assert.Equal(["quick", "waiter"], journal.All().Select(r => r.Task).Order());
    }

    [Fact]
    public async Task JsonTellsAttemptsAndWhichTasksResumeReused()
    {
        var json = Path.Combine(apptainer.NewFolder("json"), "run.json");
        await RunAsync(HalfFailing("json"));

        await RunAsync(HalfFailing("json"), resume: true, json: json);

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var tasks = document.RootElement.GetProperty("tasks");
        Assert.True(tasks.GetProperty("made").GetProperty("reused").GetBoolean());
        Assert.Equal(0, tasks.GetProperty("made").GetProperty("attempts").GetInt32());
        Assert.False(tasks.GetProperty("broken").GetProperty("reused").GetBoolean());
        Assert.Equal(1, tasks.GetProperty("broken").GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task RunsSaysHowManyTasksFailedOfWhichKindAndHowOftenTheyWereTried()
    {
        var failed = await RunAsync(Workflow.Create("kinds").Remove(false)
            .BatchTask("made", "echo made > out.txt", t => t.Outputs("out.txt"))
            .BatchTask("broken", "exit 3", t => t.Retries(1)));
        var succeeded = await RunAsync(Workflow.Create("fine").BatchTask("made", "echo made > out.txt", t => t.Outputs("out.txt")));

        var (exitCode, listing) = await ProgramAsync("runs");

        Assert.Equal(0, exitCode);
        Assert.Matches($@"\n  {failed.Plan.RunId} [^\n]+\n {{26}}failed: 1 \(exit-code\); retried: 1 task \(up to 2 attempts\)\n", listing);
        // A run whose tasks all succeeded at once gets no such line.
        Assert.Matches($@"\n  {succeeded.Plan.RunId} [^\n]+\n(  \S|$)", listing);
        using var journal = new TaskJournal(Path.Combine(_state, "journal.db"));
        var records = journal.All().Where(r => r.RunId == failed.Plan.RunId).ToDictionary(r => r.Task);
        Assert.Equal(("failed", 3, FailureKind.ExitCode, 2), (records["broken"].State, records["broken"].ExitCode, records["broken"].Failure!.Value, records["broken"].Attempts));
        Assert.Equal(("succeeded", (FailureKind?)null, 1), (records["made"].State, records["made"].Failure, records["made"].Attempts));
    }

    /// <summary>A state folder an earlier version left: the program opens its journal, lists its runs and records new ones with their kinds.</summary>
    [Fact]
    public async Task AStateFolderOfTheFirstJournalIsListedAndTakesRunsWithFailureKinds()
    {
        FirstJournal.Execute(Path.Combine(_state, "journal.db"), FirstJournal.Schema + FirstJournal.TwoRecords("before-upgrade"));

        var (listedOld, oldListing) = await ProgramAsync("runs");
        var run = await RunAsync(HalfFailing("after-upgrade"));
        var (listed, listing) = await ProgramAsync("runs");

        Assert.Equal((0, 0), (listedOld, listed));
        Assert.Matches(@"\n  before-upgrade +2026-11-30 08:00:00  2026-11-30 08:00:09 +2 +1  none\n {26}failed: 1 \(kind not recorded\); retried: 1 task \(up to 2 attempts\)\n", oldListing);
        Assert.Matches(@"\n  before-upgrade [^\n]+\n {26}failed: 1 \(kind not recorded\)", listing);
        Assert.Matches($@"\n  {run.Plan.RunId} [^\n]+\n {{26}}failed: 1 \(exit-code\)\n", listing);
        using var journal = new TaskJournal(Path.Combine(_state, "journal.db"));
        // The old records first, as they were; the new run's two in the order its tasks ended, which is either.
        var records = journal.All();
        Assert.Equal(["A", "B"], records.Take(2).Select(r => r.Task));
        Assert.Equal([null, null], records.Take(2).Select(r => r.Failure));
        Assert.Equal([("broken", FailureKind.ExitCode), ("made", (FailureKind?)null)],
            records.Skip(2).Select(r => (r.Task, r.Failure)).OrderBy(r => r.Task, StringComparer.Ordinal));
    }
}
