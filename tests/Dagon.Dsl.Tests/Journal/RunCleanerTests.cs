using Dagon.Execution;
using Dagon.Journal;
using Dagon.LocalFiles;
using Dagon.Places.Local;

namespace Dagon.Dsl.Tests.Journal;

/// <summary>clean on this machine's real files and a real journal; the remote side is in the remote tests.</summary>
public sealed class RunCleanerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-clean-").FullName;
    private readonly RunCleaner _cleaner = new(new PlaceDirectory(new LocalPlace(new ContainerUserAccess(null)), []));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string State => Path.Combine(_root, "state");

    private string Folder(params string[] parts) => Directory.CreateDirectory(Path.Combine([_root, .. parts])).FullName;

    /// <summary>A run as the engine leaves it: a work folder per task, logs in the state folder, a record per task.</summary>
    private string Run(string run, string? host = null, params string[] tasks)
    {
        var logs = Folder("state", "runs", run, "logs");
        File.WriteAllText(Path.Combine(logs, "A.out"), run);
        using var journal = new TaskJournal(Path.Combine(State, "journal.db"));
        foreach (var task in tasks.DefaultIfEmpty("A"))
        {
            var workspace = host is null ? Folder("tmp", "dagon-" + run, task) : $"/remote/dagon-{run}/{task}";
            journal.Record(new TaskRecord { Key = "k", RunId = run, Task = task, State = "succeeded", Workspace = workspace, Host = host });
        }

        return Path.Combine(_root, "tmp", "dagon-" + run);
    }

    private string[] Recorded()
    {
        using var journal = new TaskJournal(Path.Combine(State, "journal.db"));
        return journal.All().Select(r => r.RunId).Distinct().ToArray();
    }

    [Fact]
    public async Task BeforeRemovesTheEarlierRunsFoldersRecordsAndLogsOnly()
    {
        var first = Run("r1", tasks: ["A", "B"]);
        var second = Run("r2");

        var report = await _cleaner.CleanAsync(State, new CleanScope.Before("r2"), CancellationToken.None);

        Assert.True(report.Complete);
        Assert.Equal(["r1"], report.Removed.Select(r => r.RunId));
        Assert.False(Directory.Exists(first));
        Assert.False(Directory.Exists(Path.Combine(State, "runs", "r1")));
        Assert.True(Directory.Exists(second));
        Assert.True(File.Exists(Path.Combine(State, "runs", "r2", "logs", "A.out")));
        Assert.Equal(["r2"], Recorded());
    }

    [Fact]
    public async Task ALiveRunAndTheRunsItReusesAreNeverTouched()
    {
        var reused = Run("r1");
        var live = Run("r2");
        var dead = Run("r3");
        OwnerMark.Claim(Path.Combine(State, "runs", "r2"));
        LiveRuns.NoteReuse(Path.Combine(State, "runs", "r2"), "r1");
        // A dead engine's mark (this test's process id with another start time) protects nothing.
        File.WriteAllText(Path.Combine(State, "runs", "r3", OwnerMark.FileName), $"{Environment.ProcessId} 1\n");

        var report = await _cleaner.CleanAsync(State, new CleanScope.All(), CancellationToken.None);

        Assert.True(report.Complete, "runs kept because they are in use are not a failure");
        Assert.Equal(["r3"], report.Removed.Select(r => r.RunId));
        Assert.Contains(report.Kept, k => k.Run.RunId == "r2" && k.InUse && k.Reason.Contains($"still running (engine process {Environment.ProcessId})"));
        Assert.Contains(report.Kept, k => k.Run.RunId == "r1" && k.InUse && k.Reason.Contains("reused by run r2"));
        Assert.True(Directory.Exists(reused));
        Assert.True(Directory.Exists(live));
        Assert.False(Directory.Exists(dead));
        Assert.Equal(["r1", "r2"], Recorded());
    }

    [Fact]
    public async Task AHostThatCannotBeUsedIsReportedAndItsRunsStayRecordedForALaterClean()
    {
        var local = Run("r1");
        Run("r2", host: "gone");

        var report = await _cleaner.CleanAsync(State, new CleanScope.All(), CancellationToken.None);

        Assert.False(report.Complete);
        var problem = Assert.Single(report.Unreachable);
        Assert.Equal("gone", problem.Host);
        Assert.Contains("no place 'gone' is configured", problem.Reason);
        Assert.Equal(["r1"], report.Removed.Select(r => r.RunId));
        var kept = Assert.Single(report.Kept);
        Assert.False(kept.InUse);
        Assert.StartsWith("host 'gone' could not be reached: ", kept.Reason);
        Assert.False(Directory.Exists(local));
        Assert.Equal(["r2"], Recorded());
        Assert.True(Directory.Exists(Path.Combine(State, "runs", "r2")), "the logs of a run that stays recorded stay too");
    }

    [Fact]
    public async Task ListingShowsEachRunWithTheFoldersStillKept()
    {
        Run("r1");
        var removed = Run("r2", tasks: ["A", "B"]);
        Directory.Delete(removed, recursive: true);

        var listing = await _cleaner.ListAsync(State, CancellationToken.None);

        Assert.Equal(["r1", "r2"], listing.Runs.Select(r => r.Run.RunId));
        Assert.Equal([new RunFolder(null, Path.Combine(_root, "tmp", "dagon-r1"))], listing.Runs[0].Kept);
        Assert.Empty(listing.Runs[1].Kept);
        Assert.Equal(2, listing.Runs[1].Run.Tasks);
    }

    [Fact]
    public async Task WithoutAJournalThereIsNothingToCleanButBeforeANamedRunIsAnError()
    {
        Assert.Empty((await _cleaner.CleanAsync(Folder("empty"), new CleanScope.All(), CancellationToken.None)).Removed);
        await Assert.ThrowsAsync<UnknownRunException>(() => _cleaner.CleanAsync(Folder("empty"), new CleanScope.Before("r1"), CancellationToken.None));
    }
}
