namespace Dagon.Scheduling;

public enum TaskState
{
    Succeeded,
    Failed,
    /// <summary>Not run because a task it depends on failed or was skipped.</summary>
    Skipped,
    /// <summary>Stopped, or never started, because the run was cancelled.</summary>
    Cancelled,
}

/// <summary>How one task ended. <see cref="Reason"/> and <see cref="ErrorTail"/> say why it did not succeed.</summary>
public sealed record TaskOutcome(TaskState State, string? Reason = null, int? ExitCode = null, IReadOnlyList<string>? ErrorTail = null)
{
    public static readonly TaskOutcome Success = new(TaskState.Succeeded, ExitCode: 0);

    public static TaskOutcome Failed(string reason, int? exitCode = null, IReadOnlyList<string>? errorTail = null) =>
        new(TaskState.Failed, reason, exitCode, errorTail);

    public static TaskOutcome Cancelled(string reason = "the run was cancelled") => new(TaskState.Cancelled, reason);

    public static TaskOutcome Skipped(string reason) => new(TaskState.Skipped, reason);
}
