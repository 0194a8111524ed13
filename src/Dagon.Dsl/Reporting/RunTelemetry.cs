using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dagon.Execution;
using Dagon.Observing;
using Dagon.Scheduling;

namespace Dagon.Reporting;

/// <summary>
/// OpenTelemetry's view of a run: a span for the run, one per task and one per phase of a task (image, overlay,
/// staging, execution), and metrics of task counts by state and task durations. Task spans are recorded when a task
/// ends, with the task's own start and end times, so nothing lives per running task and nothing leaks into the
/// ambient <see cref="Activity.Current"/> of the runner's threads.
/// </summary>
public sealed class RunTelemetry : IRunObserver
{
    public const string Name = "Dagon";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Tasks = Meter.CreateCounter<long>("dagon.tasks", "{task}", "Tasks that ended, by state");
    private static readonly Histogram<double> Durations =
        Meter.CreateHistogram<double>("dagon.task.duration", "s", "Time from a task's submission to its end, by state");

    private readonly Lock _gate = new();
    private Activity? _run;
    private bool[] _reported = [];

    public void RunStarted(RunStart run)
    {
        var previous = Activity.Current;
        Activity.Current = null; // a run is a trace of its own, whatever the caller was doing
        _run = Source.StartActivity("dagon.run", ActivityKind.Internal, default(ActivityContext), startTime: run.At);
        _run?.SetTag("dagon.run.id", run.Plan.RunId);
        _run?.SetTag("dagon.workflow", string.Join(",", run.Plan.Workflows.Select(w => w.Name)));
        _run?.SetTag("dagon.tasks", run.Plan.Tasks.Count);
        Activity.Current = previous;
        lock (_gate) _reported = new bool[run.Plan.Tasks.Count];
    }

    public void TaskStarted(TaskStart task)
    {
    }

    public void TaskFinished(TaskAttempt attempt)
    {
        lock (_gate) _reported[attempt.Task.Index] = true;
        Count(attempt.Outcome.State, attempt.Timings.Total);
        if (attempt.Timings is not { Submitted: { } submitted, Ended: { } ended }) return;

        var previous = Activity.Current;
        var task = Source.StartActivity("dagon.task", ActivityKind.Internal, _run?.Context ?? default, startTime: submitted);
        if (task is not null)
        {
            task.SetTag("dagon.task.name", attempt.Task.DisplayName);
            task.SetTag("dagon.task.hash", TaskFingerprint.Of(attempt.Task.Definition));
            task.SetTag("dagon.host", attempt.Host);
            task.SetTag("dagon.task.state", State(attempt.Outcome.State));
            task.SetTag("dagon.task.attempt", attempt.Attempt);
            if (attempt.Outcome.ExitCode is { } exit) task.SetTag("dagon.task.exit_code", exit);
            if (attempt.Outcome.State != TaskState.Succeeded) task.SetStatus(ActivityStatusCode.Error, attempt.Outcome.Reason);
            Phases(task, attempt.Timings, submitted, ended);
            task.SetEndTime(ended.UtcDateTime);
            task.Stop();
        }

        Activity.Current = previous;
    }

    public void RunFinished(RunResult result)
    {
        foreach (var task in result.Tasks)
        {
            bool reported;
            lock (_gate) reported = task.Task.Index < _reported.Length && _reported[task.Task.Index];
            if (!reported) Count(task.Outcome.State, TimeSpan.Zero);
        }

        if (_run is null) return;
        _run.SetTag("dagon.run.succeeded", result.Succeeded);
        if (!result.Succeeded) _run.SetStatus(ActivityStatusCode.Error, result.SetupError ?? (result.Cancelled ? "cancelled" : "a task failed"));
        var previous = Activity.Current;
        _run.Stop();
        Activity.Current = previous;
        _run = null;
    }

    /// <summary>
    /// Phases as the runner measured them: staging starts at submission and the execution ends with the task. Images
    /// and overlays are made ahead, in parallel, during preparation; only their durations are known, so their spans
    /// end where the task needed them (the image at submission, the overlay where the execution began).
    /// </summary>
    private static void Phases(Activity task, TaskTimings timings, DateTimeOffset submitted, DateTimeOffset ended)
    {
        var executing = ended - timings.Execution;
        Phase(task, "dagon.task.image", submitted - timings.ImagePreparation, timings.ImagePreparation);
        Phase(task, "dagon.task.staging", submitted, timings.Staging);
        Phase(task, "dagon.task.overlay", executing - timings.Overlay, timings.Overlay);
        Phase(task, "dagon.task.execution", executing, timings.Execution);
    }

    private static void Phase(Activity task, string name, DateTimeOffset start, TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero) return;
        var phase = Source.StartActivity(name, ActivityKind.Internal, task.Context, startTime: start);
        if (phase is null) return;
        phase.SetEndTime((start + duration).UtcDateTime);
        phase.Stop();
    }

    private static void Count(TaskState state, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("dagon.task.state", State(state));
        Tasks.Add(1, tag);
        if (duration > TimeSpan.Zero) Durations.Record(duration.TotalSeconds, tag);
    }

    private static string State(TaskState state) => state.ToString().ToLowerInvariant();
}
