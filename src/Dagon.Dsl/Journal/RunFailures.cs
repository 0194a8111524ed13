using Dagon.Scheduling;

namespace Dagon.Journal;

/// <summary>
/// What went wrong in one recorded run, as its records say: the tasks that failed, counted by the kind of their
/// failure, the tasks cancelled, and the tasks that needed more than one attempt. A task counts once, by its last
/// record in the run.
/// </summary>
/// <param name="Failed">Failed tasks per kind, in <see cref="FailureKind"/> order; a null kind is a record made before kinds were kept.</param>
/// <param name="Cancelled">Tasks stopped, or never started, because the run was cancelled.</param>
/// <param name="Retried">Tasks started more than once.</param>
/// <param name="MostAttempts">The most attempts any task of the run took.</param>
public sealed record RunFailures(IReadOnlyList<(FailureKind? Kind, int Tasks)> Failed, int Cancelled, int Retried, int MostAttempts)
{
    public static readonly RunFailures None = new([], 0, 0, 0);

    public static RunFailures Of(IEnumerable<TaskRecord> runRecords)
    {
        var last = runRecords.GroupBy(r => r.Task, StringComparer.Ordinal).Select(task => task.Last()).ToList();
        var failed = last.Where(r => r.State == "failed")
            .GroupBy(r => r.Failure)
            .OrderBy(kind => kind.Key is { } known ? (int)known : int.MaxValue)
            .Select(kind => (kind.Key, kind.Count()))
            .ToList();
        var retried = last.Where(r => r.Attempts > 1).ToList();
        return new RunFailures(failed, last.Count(r => r.State == "cancelled"), retried.Count, retried.Select(r => r.Attempts).DefaultIfEmpty(0).Max());
    }

    /// <summary>
    /// One line for <c>runs</c>, such as <c>failed: 3 (2 exit-code, 1 out-of-memory); retried: 1 task (up to 3 attempts)</c>;
    /// null when every task succeeded at its first attempt.
    /// </summary>
    public string? Describe()
    {
        var parts = new List<string>();
        if (Failed.Count > 0)
        {
            var kinds = Failed.Select(f => f.Kind?.Name() ?? "kind not recorded").ToList();
            var byKind = Failed.Count == 1 ? kinds[0] : string.Join(", ", Failed.Select((f, i) => $"{f.Tasks} {kinds[i]}"));
            parts.Add($"failed: {Failed.Sum(f => f.Tasks)} ({byKind})");
        }

        if (Cancelled > 0) parts.Add($"cancelled: {Cancelled}");
        if (Retried > 0) parts.Add($"retried: {Retried} task{(Retried == 1 ? "" : "s")} (up to {MostAttempts} attempts)");
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }
}
