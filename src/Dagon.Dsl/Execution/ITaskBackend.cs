using Dagon.Scheduling;
using Dagon.Staging;

namespace Dagon.Execution;

/// <summary>
/// Runs tasks of one kind in one place (Apptainer on this machine, Apptainer over SSH, ...). The runner asks every
/// registered backend in turn; the first whose <see cref="CanRun"/> accepts a task runs it.
/// </summary>
public interface ITaskBackend
{
    string Name { get; }

    bool CanRun(PlannedTask task);

    /// <summary>Where the task's files will live. Called for every task before anything runs; must not touch disk.</summary>
    TaskWorkspace PlanWorkspace(PlannedTask task, RunContext run);

    /// <summary>
    /// Everything that can fail before a task runs, done before the first task starts so a bad image or a missing bind
    /// source fails fast: images built or checked, binds checked. May start off-critical-path work (overlays).
    /// </summary>
    Task<IReadOnlyList<PreparationFailure>> PrepareAsync(IReadOnlyList<PlannedTask> tasks, RunContext run, CancellationToken cancellationToken);

    Task<TaskOutcome> RunAsync(TaskExecution execution, CancellationToken cancellationToken);

    /// <summary>Deletes the task's workspace when the task asks for it (<c>remove</c>), otherwise says where it was kept.</summary>
    Task CleanupAsync(PlannedTask task, RunContext run, CancellationToken cancellationToken);
}

public sealed record PreparationFailure(PlannedTask Task, string Message);

/// <summary>What a backend gets to run one task.</summary>
public sealed class TaskExecution
{
    public required PlannedTask Task { get; init; }

    public required RunContext Run { get; init; }

    public required TaskWorkspace Workspace { get; init; }

    /// <summary>Producers' files made visible on this task's machine, one per referenced producer.</summary>
    public required IReadOnlyList<StagedInput> Inputs { get; init; }

    public required TaskTimings Timings { get; init; }
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
}
