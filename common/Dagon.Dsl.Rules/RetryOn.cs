#nullable enable
// Owned by common/ and linked into the runtime, the generator and the analyzers (see ContainerIsolation.cs).

namespace Dagon.Model
{
    /// <summary>
    /// The kinds of failure a task is run again for. A task that names none (and no exit codes) is retried for any
    /// failure; one that names some is retried only for those. Combine them with <c>|</c>.
    /// </summary>
    [System.Flags]
    public enum RetryOn
    {
        /// <summary>No kind chosen here: the run's <c>retry_on</c> applies, else every failure is retried.</summary>
        Unset = 0,

        /// <summary>The task ran past its timeout (the engine's, or Slurm's time limit).</summary>
        Timeout = 1,

        /// <summary>The SSH connection or channel to the task's host was lost while the task ran.</summary>
        LostConnection = 2,

        /// <summary>The node under a Slurm job failed or took the job away (NODE_FAIL, BOOT_FAIL, PREEMPTED).</summary>
        NodeFailure = 4,

        /// <summary>The task was killed for its memory (Slurm's memory limit, or the kernel's OOM killer).</summary>
        OutOfMemory = 8,
    }
}
