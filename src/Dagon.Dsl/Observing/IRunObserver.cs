using Dagon.Execution;
using Dagon.Scheduling;

namespace Dagon.Observing;

/// <summary>
/// Is told what a run does while it does it: the trace file, OpenTelemetry, the HTML report and the progress display
/// are observers. The runner calls observers from its scheduling threads, so an implementation must be thread-safe
/// and quick (a slow observer slows every task).
/// </summary>
public interface IRunObserver
{
    void RunStarted(RunStart run);

    void TaskStarted(TaskStart task);

    /// <summary>A task ended (succeeded, failed, was cancelled or skipped); skipped tasks have no times.</summary>
    void TaskFinished(TaskAttempt attempt);

    /// <summary>The run is over; every task's outcome is in <paramref name="result"/>, including those never started.</summary>
    void RunFinished(RunResult result);
}

/// <summary>A run begins: its plan, its settings and when.</summary>
public sealed record RunStart(ExecutionPlan Plan, DagonOptions Settings, DateTimeOffset At);

/// <summary>A task was handed to its place; <paramref name="Host"/> is the host profile or <see cref="TaskAttempt.ThisMachine"/>.</summary>
public readonly record struct TaskStart(PlannedTask Task, string Host, DateTimeOffset At);

/// <summary>
/// One attempt of a task and how it ended. Attempts are numbered from 1; a retried task reports its last
/// attempt. <paramref name="PeakMemoryBytes"/> is null where the launcher does not measure it.
/// </summary>
public sealed record TaskAttempt(PlannedTask Task, string Host, TaskOutcome Outcome, TaskTimings Timings, int Attempt = 1,
    long? PeakMemoryBytes = null)
{
    /// <summary>The host name used for tasks that run on the engine's own machine.</summary>
    public const string ThisMachine = "localhost";
}
