using Dagon.Execution;
using Dagon.Journal;

namespace Dagon.Dsl.Tests.Journal;

public sealed class StateCleanerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-clean-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Folder(params string[] parts)
    {
        var path = Path.Combine([_root, .. parts]);
        Directory.CreateDirectory(path);
        return path;
    }

    private static TaskRecord Record(string workspace, string? host = null) => new()
    {
        Key = "k", RunId = "r", Task = "A", State = "succeeded", Workspace = workspace, Host = host,
    };

    [Fact]
    public void CleanRemovesKeptRunFoldersAndTheJournalButKeepsLogsAndUnmarkedFolders()
    {
        var state = Folder("state");
        var logs = Folder("state", "runs", "r", "logs");
        File.WriteAllText(Path.Combine(logs, "A.out"), "kept");
        var kept = Folder("tmp", "dagon-kept");
        File.WriteAllText(Path.Combine(kept, RunRecorder.ResumableMark), "");
        var keptTask = Folder("tmp", "dagon-kept", "A");
        var unmarked = Folder("tmp", "dagon-user-kept", "B");
        using (var journal = new TaskJournal(Path.Combine(state, "journal.db")))
        {
            journal.Record(Record(keptTask));
            journal.Record(Record(unmarked));
            journal.Record(Record("/remote/dagon-x/C", host: "node"));
        }

        var cleaned = StateCleaner.Clean(new DagonOptions { StateDir = state });

        Assert.Equal([kept], cleaned.RunFolders);
        Assert.True(cleaned.Journal);
        Assert.False(Directory.Exists(kept));
        Assert.True(Directory.Exists(unmarked), "a folder the user kept with remove = false is not the journal's to remove");
        Assert.False(File.Exists(Path.Combine(state, "journal.db")));
        Assert.Equal("kept", File.ReadAllText(Path.Combine(logs, "A.out")));
    }

    [Fact]
    public void CleanWithoutAJournalRemovesNothing()
    {
        var cleaned = StateCleaner.Clean(new DagonOptions { StateDir = Folder("empty") });

        Assert.Empty(cleaned.RunFolders);
        Assert.False(cleaned.Journal);
    }
}
