namespace Dagon.Scheduling;

/// <summary>
/// Why a task failed, as the part that saw it says: the launcher (exit code, timeout, Slurm's job state), the place
/// (a lost connection) or the executor. Retries choose by it; the summary and the JSON name it.
/// </summary>
public enum FailureKind
{
    /// <summary>The program ended with a non-zero exit code (<see cref="TaskOutcome.ExitCode"/>).</summary>
    ExitCode,

    /// <summary>It ran past its timeout or Slurm time limit and was stopped.</summary>
    Timeout,

    /// <summary>The connection to its place was lost, or the place could not be reached for it.</summary>
    LostConnection,

    /// <summary>The node under its Slurm job failed or took the job away (NODE_FAIL, BOOT_FAIL, PREEMPTED).</summary>
    NodeFailure,

    /// <summary>It was killed for its memory: Slurm's memory limit, or a SIGKILL nobody in the run sent (the kernel's OOM killer).</summary>
    OutOfMemory,

    /// <summary>Anything else: a signal, a missing output, a setup or staging error, a job cancelled outside the run.</summary>
    Other,
}

public static class FailureKinds
{
    /// <summary>The kind as the logs, the summary and the JSON write it (<c>out-of-memory</c>).</summary>
    public static string Name(this FailureKind kind) => kind switch
    {
        FailureKind.ExitCode => "exit-code",
        FailureKind.Timeout => "timeout",
        FailureKind.LostConnection => "lost-connection",
        FailureKind.NodeFailure => "node-failure",
        FailureKind.OutOfMemory => "out-of-memory",
        _ => "other",
    };

    /// <summary>The kind <see cref="Name"/> writes as <paramref name="name"/>, or null for a name no kind has.</summary>
    public static FailureKind? FromName(string name)
    {
        foreach (var kind in Enum.GetValues<FailureKind>())
        {
            if (string.Equals(kind.Name(), name, StringComparison.Ordinal)) return kind;
        }

        return null;
    }
}
