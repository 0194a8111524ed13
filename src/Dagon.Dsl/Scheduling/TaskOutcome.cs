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

/// <summary>
/// How one task ended. <see cref="Reason"/> and <see cref="ErrorTail"/> say why it did not succeed, and
/// <see cref="Failure"/> what kind of failure it was, as typed fact for retries and reports (never parsed from the reason).
/// </summary>
public sealed record TaskOutcome(TaskState State, string? Reason = null, int? ExitCode = null, IReadOnlyList<string>? ErrorTail = null)
{
    public static readonly TaskOutcome Success = new(TaskState.Succeeded, ExitCode: 0);

    /// <summary>The kind of failure; null unless <see cref="State"/> is <see cref="TaskState.Failed"/>.</summary>
    public FailureKind? Failure { get; init; }

    /// <summary>A failure of <paramref name="kind"/>; without one, an exit code makes it <see cref="FailureKind.ExitCode"/>, else <see cref="FailureKind.Other"/>.</summary>
    public static TaskOutcome Failed(string reason, int? exitCode = null, IReadOnlyList<string>? errorTail = null, FailureKind? kind = null) =>
        new(TaskState.Failed, reason, exitCode, errorTail) { Failure = kind ?? (exitCode is > 0 ? FailureKind.ExitCode : FailureKind.Other) };

    public static TaskOutcome Cancelled(string reason = "the run was cancelled") => new(TaskState.Cancelled, reason);

    public static TaskOutcome Skipped(string reason) => new(TaskState.Skipped, reason);
}
