using Dagon.Scheduling;

namespace Dagon.Journal;

/// <summary>Why an attempt failed, as the retry log and the journal name it.</summary>
public enum FailureKind
{
    ExitCode,
    Timeout,
    LostConnection,
    OutOfMemory,
    Other,
}

public static class FailureKinds
{
    /// <summary>
    /// Timeouts and lost places are told by the launcher's reasons; out of memory by the kernel's OOM kill (SIGKILL,
    /// exit 137 through a shell) or Slurm's OUT_OF_MEMORY state.
    /// </summary>
    public static FailureKind Of(TaskOutcome outcome)
    {
        var reason = outcome.Reason ?? "";
        if (reason.StartsWith("timed out", StringComparison.Ordinal)) return FailureKind.Timeout;
        if (reason.Contains("The task did not finish", StringComparison.Ordinal)) return FailureKind.LostConnection;
        if (outcome.ExitCode == 137 || reason.Contains("signal KILL", StringComparison.Ordinal) || reason.Contains("OUT_OF_MEMORY", StringComparison.Ordinal))
            return FailureKind.OutOfMemory;
        return outcome.ExitCode is not null ? FailureKind.ExitCode : FailureKind.Other;
    }
}
