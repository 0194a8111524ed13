using Dagon.Execution;

namespace Dagon.Journal;

/// <summary>
/// <c>--clean</c>: forgets what <c>--resume</c> could reuse. The run folders on this machine that hold recorded work
/// folders (marked <c>.resumable</c>) are removed, then the journal. The logs and JSON of past runs stay.
/// </summary>
public static class StateCleaner
{
    public sealed record Cleaned(IReadOnlyList<string> RunFolders, bool Journal);

    public static Cleaned Clean(DagonOptions options)
    {
        var state = options.ResolveStateDir();
        var journalPath = Path.Combine(state, "journal.db");
        if (!File.Exists(journalPath)) return new Cleaned([], false);

        var folders = new SortedSet<string>(StringComparer.Ordinal);
        using (var journal = new TaskJournal(journalPath))
        {
            foreach (var record in journal.All().Where(r => r.Host is null))
            {
                var runFolder = Path.GetDirectoryName(record.Workspace.TrimEnd('/'));
                if (runFolder is not null && File.Exists(Path.Combine(runFolder, RunRecorder.ResumableMark))) folders.Add(runFolder);
            }
        }

        foreach (var folder in folders) Directory.Delete(folder, recursive: true);
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(journalPath + suffix);
        return new Cleaned(folders.ToList(), true);
    }
}
