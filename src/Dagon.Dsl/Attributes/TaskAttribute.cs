namespace Dagon;

/// <summary>
/// What every task attribute has: the command, the name, where and how long the task runs, and what it asks of a
/// scheduler. <see cref="ApptainerTaskAttribute"/> adds the container's settings; <see cref="BatchTaskAttribute"/>
/// adds nothing.
/// </summary>
/// <remarks>
/// Attribute properties cannot say "unset", so numeric and boolean properties use a sentinel: 0 is unset and
/// <see cref="Remove"/> follows the workflow unless assigned.
/// </remarks>
public abstract class TaskAttribute : Attribute
{
    /// <summary>The shell command; a task class may instead declare <c>static string BuildCommand()</c> computed at run time.</summary>
    public string? Command { get; set; }

    /// <summary>The task's name in the workflow (default: the class name).</summary>
    public string? Name { get; set; }

    public string? TmpDir { get; set; }

    /// <summary>Whether the work directory is deleted after the run.</summary>
    public bool Remove { get; set; } = true;

    /// <summary>Host profile from the configuration to run the task on, instead of this machine.</summary>
    public string? Host { get; set; }

    /// <summary>Time limit in seconds; must be positive when set.</summary>
    public int TimeoutSeconds { get; set; }

    /// <summary>Started directly or as a Slurm job; unset follows the workflow, the host profile, then the run.</summary>
    public Model.Scheduler Scheduler { get; set; }

    /// <summary>Slurm: CPUs per task (<c>--cpus-per-task</c>); must be positive when set.</summary>
    public int Cpus { get; set; }

    /// <summary>Slurm: memory in MB (<c>--mem</c>); must be positive when set.</summary>
    public int MemoryMb { get; set; }

    /// <summary>Slurm: time limit, MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (<c>--time</c>).</summary>
    public string? Time { get; set; }

    /// <summary>Slurm: GPUs (<c>--gpus</c>); must be positive when set.</summary>
    public int Gpus { get; set; }

    /// <summary>Slurm: the partition; unset takes the <c>[slurm] partition</c> of dagon.ini, then the cluster's default.</summary>
    public string? Partition { get; set; }

    /// <summary>Slurm: the account to charge.</summary>
    public string? Account { get; set; }

    /// <summary>Slurm: the quality of service.</summary>
    public string? Qos { get; set; }

    /// <summary>Slurm: nodes (<c>--nodes</c>); must be positive when set.</summary>
    public int Nodes { get; set; }

    /// <summary>Slurm: tasks per node (<c>--ntasks-per-node</c>); must be positive when set.</summary>
    public int TasksPerNode { get; set; }

    /// <summary>Slurm: extra sbatch options, one word each (<c>--constraint=haswell</c>); options the engine sets itself are refused.</summary>
    public string[]? SlurmOptions { get; set; }

    /// <summary>Files the task leaves in its work folder, relative paths or globs (<c>output/f1.txt</c>, <c>results/*.csv</c>); a missing one fails the task.</summary>
    public string[]? Outputs { get; set; }

    /// <summary>Folder the declared outputs are copied to after the task succeeds.</summary>
    public string? Publish { get; set; }

    /// <summary>How many times a failed task is run again; unset (0) follows the run's <c>retries</c>.</summary>
    public int Retries { get; set; }

    /// <summary>Exit codes that are retried (1 to 255). With <see cref="RetryOn"/> and these unset, the run's <c>retry_on</c> applies, else any failure is retried.</summary>
    public int[]? RetryOnExitCodes { get; set; }

    /// <summary>Kinds of failure that are retried (<c>RetryOn.Timeout | RetryOn.OutOfMemory</c>), with <see cref="RetryOnExitCodes"/>.</summary>
    public Model.RetryOn RetryOn { get; set; }
}
