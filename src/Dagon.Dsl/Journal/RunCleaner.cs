using Dagon.Execution;
using Dagon.Places;

namespace Dagon.Journal;

/// <summary>
/// <c>runs</c> and <c>clean</c>: lists the runs the journal holds, and removes chosen ones entirely: their run folders
/// on every place (SSH hosts through their profiles), their records, and their logs and JSON in the state folder. A
/// run a live engine still needs is never touched (<see cref="LiveRuns"/>). A run whose folders could not all be
/// removed (an unreachable host, a folder that refused) keeps its records and logs, so a later clean tries again.
/// </summary>
public sealed class RunCleaner(PlaceDirectory places)
{
    public sealed record HostProblem(string Host, string Reason);

    /// <summary>A run with those of its folders that still exist, and why it must stay, if a live engine needs it.</summary>
    public sealed record ListedRun(RecordedRun Run, IReadOnlyList<RunFolder> Kept, string? InUse);

    public sealed record Listing(IReadOnlyList<ListedRun> Runs, IReadOnlyList<HostProblem> Unreachable);

    /// <summary>A run the scope named that stays: <paramref name="InUse"/> when a live engine needs it, else a folder could not go.</summary>
    public sealed record KeptRun(RecordedRun Run, string Reason, bool InUse);

    public sealed record Report(IReadOnlyList<RecordedRun> Removed, IReadOnlyList<RunFolder> FoldersRemoved, IReadOnlyList<KeptRun> Kept,
        IReadOnlyList<HostProblem> Unreachable)
    {
        /// <summary>False when a run the scope named had to stay because a folder of it could not be removed.</summary>
        public bool Complete => Unreachable.Count == 0 && Kept.All(k => k.InUse);
    }

    /// <summary>Every recorded run, oldest first, with its folders that still exist (asked of each host once).</summary>
    public async Task<Listing> ListAsync(string stateRoot, CancellationToken cancellationToken)
    {
        var runs = ReadRuns(stateRoot);
        var live = LiveRuns.Read(stateRoot);
        var existing = new HashSet<RunFolder>();
        var unreachable = new List<HostProblem>();
        foreach (var host in runs.SelectMany(r => r.Folders).Distinct().GroupBy(f => f.Host))
        {
            try
            {
                var paths = host.Select(f => f.Path).ToList();
                var missing = (await places.For(host.Key).FindMissingAsync(paths, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
                existing.UnionWith(host.Where(f => !missing.Contains(f.Path)));
            }
            catch (PlaceUnavailableException exception)
            {
                unreachable.Add(new HostProblem(host.Key!, exception.Message));
            }
        }

        return new Listing(runs.Select(r => new ListedRun(r, r.Folders.Where(existing.Contains).ToList(), live.Needs(r))).ToList(), unreachable);
    }

    /// <summary>Removes the runs <paramref name="scope"/> names, except those a live engine needs.</summary>
    /// <exception cref="UnknownRunException">The scope names a run the journal does not hold.</exception>
    public async Task<Report> CleanAsync(string stateRoot, CleanScope scope, CancellationToken cancellationToken)
    {
        var journalPath = Path.Combine(stateRoot, "journal.db");
        if (!File.Exists(journalPath)) return scope is CleanScope.Before b ? throw new UnknownRunException(b.RunId, 0) : new Report([], [], [], []);
        using var journal = new TaskJournal(journalPath);
        var live = LiveRuns.Read(stateRoot);
        var (remove, inUse) = scope.Choose(RecordedRun.Of(journal.All()), r => live.Needs(r) is not null);
        var kept = inUse.Select(r => new KeptRun(r, live.Needs(r)!, InUse: true)).ToList();

        var removal = await RemoveFoldersAsync(remove.SelectMany(r => r.Folders).Distinct().ToList(), cancellationToken).ConfigureAwait(false);
        var removed = new List<RecordedRun>();
        foreach (var run in remove)
        {
            var problem = run.Folders.Select(f => removal.Failed.GetValueOrDefault(f)).FirstOrDefault(p => p is not null);
            if (problem is null) removed.Add(run);
            else kept.Add(new KeptRun(run, problem, InUse: false));
        }

        journal.Forget(removed.Select(r => r.RunId).ToList());
        foreach (var run in removed) RemoveStateFolder(stateRoot, run.RunId);
        return new Report(removed, removal.Removed, kept, removal.Unreachable);
    }

    private sealed record Removal(List<RunFolder> Removed, Dictionary<RunFolder, string> Failed, List<HostProblem> Unreachable);

    /// <summary>Folder by folder, host by host; the first sign that a host cannot be reached gives up on that host.</summary>
    private async Task<Removal> RemoveFoldersAsync(IReadOnlyList<RunFolder> folders, CancellationToken cancellationToken)
    {
        var removal = new Removal([], [], []);
        foreach (var host in folders.GroupBy(f => f.Host))
        {
            try
            {
                var place = places.For(host.Key);
                foreach (var folder in host)
                {
                    try
                    {
                        await place.RemoveTreeAsync(folder.Path, cancellationToken).ConfigureAwait(false);
                        removal.Removed.Add(folder);
                    }
                    catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                    {
                        removal.Failed[folder] = $"could not remove {folder.Path} on {place.Description}: {exception.Message}";
                    }
                }
            }
            catch (PlaceUnavailableException exception)
            {
                removal.Unreachable.Add(new HostProblem(host.Key!, exception.Message));
                foreach (var folder in host.Where(f => !removal.Removed.Contains(f)))
                {
                    removal.Failed[folder] = $"host '{host.Key}' could not be reached: {exception.Message}";
                }
            }
        }

        return removal;
    }

    private static IReadOnlyList<RecordedRun> ReadRuns(string stateRoot)
    {
        var journalPath = Path.Combine(stateRoot, "journal.db");
        if (!File.Exists(journalPath)) return [];
        using var journal = new TaskJournal(journalPath);
        return RecordedRun.Of(journal.All());
    }

    /// <summary>The run's logs and JSON go with its records: nothing is left that names a run the journal forgot.</summary>
    private static void RemoveStateFolder(string stateRoot, string runId)
    {
        if (runId.Length == 0 || runId.Contains('/', StringComparison.Ordinal) || runId is "." or "..") return;
        var folder = Path.Combine(stateRoot, "runs", runId);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}
