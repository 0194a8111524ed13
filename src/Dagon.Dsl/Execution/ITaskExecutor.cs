using Dagon.Scheduling;
using Dagon.Staging;

namespace Dagon.Execution;

/// <summary>
/// Prepares, runs and cleans up the tasks of a run. <see cref="TaskExecutor"/> is the one implementation that runs
/// real tasks (where: a place; how: a launcher; what: a container or a shell command); tests and benchmarks swap in
/// their own to exercise the runner alone.
/// </summary>
public interface ITaskExecutor
{
    /// <summary>
    /// Everything that can fail before a task runs, done before the first task starts so a bad image or a missing
    /// bind source fails fast: places reached, images built or checked, binds checked, work folders made. Returns the
    /// run's state, which the run then carries; must not throw for a task's problem (it is a failure of that task).
    /// </summary>
    Task<Preparation> PrepareAsync(ExecutionPlan plan, DagonOptions options, CancellationToken cancellationToken);

    Task<TaskOutcome> RunAsync(TaskExecution execution, CancellationToken cancellationToken);

    /// <summary>Deletes the task's workspace when the task asks for it (<c>remove</c>), otherwise says where it was kept.</summary>
    Task CleanupAsync(PlannedTask task, RunState run, CancellationToken cancellationToken);

    /// <summary>Removes what the run made outside task workspaces, once every task has been cleaned up.</summary>
    Task FinishAsync(RunState run, CancellationToken cancellationToken);
}

/// <summary>
/// What preparation made (the run's state) and what it could not: failures of some tasks, or a setup error of the
/// whole run (Apptainer missing on this machine).
/// </summary>
public sealed record Preparation(RunState Run, IReadOnlyList<PreparationFailure> Failures, string? SetupError = null);

/// <summary>Why a task cannot run. <paramref name="Place"/> names the place when the place, not the task, is at fault.</summary>
public sealed record PreparationFailure(PlannedTask Task, string Message, string? Place = null);

/// <summary>What an executor gets to run one task.</summary>
public sealed class TaskExecution
{
    public required PlannedTask Task { get; init; }

    public required RunState Run { get; init; }

    public TaskWorkspace Workspace => Run.Workspaces[Task.Index];

    /// <summary>Producers' files made visible on this task's place, one per referenced producer.</summary>
    public required IReadOnlyList<StagedInput> Inputs { get; init; }

    public TaskTimings Timings => Run.Timings[Task.Index];
}

/// <summary>Where a task's time went; printed per task at the end of a run.</summary>
public sealed class TaskTimings
{
    public TimeSpan ImagePreparation { get; set; }
    public TimeSpan Overlay { get; set; }
    public TimeSpan Staging { get; set; }
    public TimeSpan Execution { get; set; }

    /// <summary>From the task's start to its end; image preparation is shared by tasks and happens before.</summary>
    public TimeSpan Total { get; set; }

    /// <summary>When the task was handed to its place (before staging); null when it never started.</summary>
    public DateTimeOffset? Submitted { get; set; }

    /// <summary>When its program was started, after staging.</summary>
    public DateTimeOffset? Started { get; set; }

    public DateTimeOffset? Ended { get; set; }
    /// <summary>How many times the task was run (retries add to it); 0 when it was reused.</summary>
    public int Attempts { get; set; }

    /// <summary>What kind of failure ended the last failed attempt before the final one; null when no attempt was retried.</summary>
    public FailureKind? LastFailure { get; set; }

    /// <summary>The run whose result was reused instead of running the task (<c>--resume</c>), or null.</summary>
    public string? ReusedFrom { get; set; }

    /// <summary>The task's stderr as kept in the run's folder (<c>logs/TASK.err</c>), once the task has ended.</summary>
    public string? LogFile { get; set; }
}
