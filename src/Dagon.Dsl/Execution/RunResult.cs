using Dagon.Scheduling;
using Dagon.Staging;

namespace Dagon.Execution;

/// <summary>One task's end state in a finished run.</summary>
public sealed record TaskResult(PlannedTask Task, TaskOutcome Outcome, TaskWorkspace? Workspace, TaskTimings Timings);

/// <summary>What a run did: every task's outcome, timings and the run's wall time.</summary>
public sealed class RunResult
{
    public required ExecutionPlan Plan { get; init; }

    public required IReadOnlyList<TaskResult> Tasks { get; init; }

    public required TimeSpan WallTime { get; init; }

    /// <summary>Why the run could not start, when it did not (invalid workflow, missing apptainer, bad image).</summary>
    public string? SetupError { get; init; }

    public bool Cancelled { get; init; }

    public bool Succeeded => SetupError is null && !Cancelled && Tasks.All(t => t.Outcome.State == TaskState.Succeeded);

    public TaskResult this[string displayName] => Tasks.Single(t => t.Task.DisplayName == displayName);

    /// <summary>Process exit code: 0 on success, 130 when cancelled, 1 otherwise.</summary>
    public int ExitCode => Succeeded ? 0 : Cancelled ? 130 : 1;
}
