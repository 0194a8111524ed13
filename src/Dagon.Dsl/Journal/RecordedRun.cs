using Dagon.Staging;

namespace Dagon.Journal;

/// <summary>The folder a run made on one place for its tasks (<c>PARENT/dagon-RUN</c>); <see cref="Host"/> is null for this machine.</summary>
public sealed record RunFolder(string? Host, string Path);

/// <summary>
/// One run as the journal knows it: its records taken together. Runs are ordered by their first record, so "before"
/// means what a reader of the journal sees as earlier, whatever the clocks of the machines said.
/// </summary>
public sealed record RecordedRun(string RunId, DateTimeOffset Started, DateTimeOffset Ended, int Tasks, int Succeeded, IReadOnlyList<RunFolder> Folders)
{
    /// <summary>The tasks of the run that failed (by kind), were cancelled or were retried.</summary>
    public RunFailures Failures { get; init; } = RunFailures.None;

    /// <summary>The runs of <paramref name="records"/> (oldest record first), oldest run first.</summary>
    public static IReadOnlyList<RecordedRun> Of(IReadOnlyList<TaskRecord> records) =>
        records.GroupBy(r => r.RunId, StringComparer.Ordinal)
            .Select(run => new RecordedRun(
                run.Key,
                run.Min(r => r.Started),
                run.Max(r => r.Ended),
                run.Select(r => r.Task).Distinct(StringComparer.Ordinal).Count(),
                run.Where(r => r.State == "succeeded").Select(r => r.Task).Distinct(StringComparer.Ordinal).Count(),
                run.Select(r => FolderOf(r)).OfType<RunFolder>().Distinct().ToList())
            {
                Failures = RunFailures.Of(run),
            })
            .ToList();

    /// <summary>
    /// The run folder that holds the record's work folder, only when it carries the run's own name: whatever the
    /// journal says, nothing but a folder this run made is ever taken for one.
    /// </summary>
    private static RunFolder? FolderOf(TaskRecord record)
    {
        if (!record.Workspace.Contains('/', StringComparison.Ordinal)) return null;
        var folder = new TaskWorkspace(record.Workspace).RunDirectory;
        return folder.EndsWith("/dagon-" + record.RunId, StringComparison.Ordinal) ? new RunFolder(record.Host, folder) : null;
    }
}
