namespace Dagon.Journal;

/// <summary>Which recorded runs <c>clean</c> removes.</summary>
public abstract record CleanScope
{
    /// <summary>Every run (<c>clean --all</c>, <c>--clean</c>).</summary>
    public sealed record All : CleanScope;

    /// <summary>The runs recorded before <paramref name="RunId"/>; that run and later ones stay (<c>clean --before RUN</c>).</summary>
    public sealed record Before(string RunId) : CleanScope;

    /// <summary>All but the newest <paramref name="Count"/> runs (<c>clean --keep-last N</c>).</summary>
    public sealed record KeepLast(int Count) : CleanScope;

    /// <summary>
    /// The runs of <paramref name="runs"/> (oldest first) that the scope names, split into those to remove and those
    /// that must stay because <paramref name="inUse"/> says a live run needs them.
    /// </summary>
    /// <exception cref="UnknownRunException"><see cref="Before"/> names a run the journal does not hold.</exception>
    public (IReadOnlyList<RecordedRun> Remove, IReadOnlyList<RecordedRun> InUse) Choose(IReadOnlyList<RecordedRun> runs, Func<RecordedRun, bool> inUse)
    {
        IEnumerable<RecordedRun> named = this switch
        {
            Before before => runs.Take(IndexOf(runs, before.RunId)),
            KeepLast keep => runs.Take(Math.Max(0, runs.Count - keep.Count)),
            _ => runs,
        };
        var lookup = named.ToLookup(inUse);
        return (lookup[false].ToList(), lookup[true].ToList());
    }

    private static int IndexOf(IReadOnlyList<RecordedRun> runs, string runId)
    {
        for (var i = 0; i < runs.Count; i++)
        {
            if (runs[i].RunId == runId) return i;
        }

        throw new UnknownRunException(runId, runs.Count);
    }
}

/// <summary><c>clean --before RUN</c> names a run that the journal does not hold.</summary>
public sealed class UnknownRunException(string runId, int known)
    : Exception($"clean --before: no run '{runId}' in the journal ({known} run{(known == 1 ? "" : "s")} recorded; 'runs' lists them)");
