using System.Collections.Concurrent;
using Dagon.Execution;
using Dagon.Observing;
using Dagon.Scheduling;

namespace Dagon.Reporting;

/// <summary>What a progress display shows at one moment: counts, and the tasks running with where and since when.</summary>
public sealed record ProgressSnapshot(int Total, int Done, int Failed, IReadOnlyList<RunningTask> Running, bool Finished)
{
    public int Queued => Math.Max(0, Total - Done - Failed - Running.Count);
}

public sealed record RunningTask(string Name, string Host, DateTimeOffset Since);

/// <summary>
/// Follows a run for a progress display: cheap to update from the runner's threads (a counter and a dictionary
/// entry per task), read by the display a few times a second.
/// </summary>
public sealed class RunProgress : IRunObserver
{
    private readonly ConcurrentDictionary<int, RunningTask> _running = new();
    private int _total, _done, _failed, _finished;

    public void RunStarted(RunStart run)
    {
        _running.Clear();
        _total = run.Plan.Tasks.Count;
        _done = _failed = _finished = 0;
    }

    public void TaskStarted(TaskStart task) => _running[task.Task.Index] = new RunningTask(task.Task.DisplayName, task.Host, task.At);

    public void TaskFinished(TaskAttempt attempt)
    {
        _running.TryRemove(attempt.Task.Index, out _);
        if (attempt.Outcome.State == TaskState.Succeeded) Interlocked.Increment(ref _done);
        else Interlocked.Increment(ref _failed);
    }

    /// <summary>Tasks that never started (preparation failed, the run was cancelled) count as not succeeded.</summary>
    public void RunFinished(RunResult result)
    {
        _running.Clear();
        _done = result.Tasks.Count(t => t.Outcome.State == TaskState.Succeeded);
        _failed = result.Tasks.Count - _done;
        Volatile.Write(ref _finished, 1);
    }

    public ProgressSnapshot Snapshot() => new(
        _total, Volatile.Read(ref _done), Volatile.Read(ref _failed),
        _running.Values.OrderBy(r => r.Since).ThenBy(r => r.Name, StringComparer.Ordinal).ToList(), Volatile.Read(ref _finished) == 1);
}
