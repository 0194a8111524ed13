using Dagon.Execution;
using Dagon.Scheduling;

namespace Dagon.Observing;

/// <summary>
/// The observers of a run, called in order. With none registered every call is a check of an empty array, so a run
/// of a million no-op tasks pays nothing for the seam. An observer that throws is logged by the caller's
/// <paramref name="onError"/> and does not stop the run: a report must never cost the work it reports on.
/// </summary>
public sealed class RunObservers(IEnumerable<IRunObserver>? observers, Action<IRunObserver, Exception>? onError = null)
{
    private readonly IRunObserver[] _observers = observers?.ToArray() ?? [];

    public bool Any => _observers.Length > 0;

    public void RunStarted(RunStart run)
    {
        foreach (var observer in _observers) Guard(observer, o => o.RunStarted(run));
    }

    public void TaskStarted(PlannedTask task, string host, DateTimeOffset at)
    {
        if (_observers.Length == 0) return;
        var start = new TaskStart(task, host, at);
        foreach (var observer in _observers) Guard(observer, o => o.TaskStarted(start));
    }

    public void TaskFinished(PlannedTask task, string host, TaskOutcome outcome, TaskTimings timings)
    {
        if (_observers.Length == 0) return;
        var attempt = new TaskAttempt(task, host, outcome, timings, Math.Max(1, timings.Attempts));
        foreach (var observer in _observers) Guard(observer, o => o.TaskFinished(attempt));
    }

    public void RunFinished(RunResult result)
    {
        foreach (var observer in _observers) Guard(observer, o => o.RunFinished(result));
    }

    private void Guard(IRunObserver observer, Action<IRunObserver> call)
    {
        try
        {
            call(observer);
        }
        catch (Exception exception) when (onError is not null)
        {
            onError(observer, exception);
        }
    }
}
