namespace Dagon;

/// <summary>
/// Declares a batch task of the enclosing <see cref="WorkflowAttribute"/> class: a shell command run on the host,
/// without a container (the runtime's <see cref="Model.TaskKind.Batch"/>). It takes no image, bind paths or overlay;
/// otherwise it is a task like any other: <c>workflow:///Task/path</c> references in a constant command are checked
/// and turned into edges at compile time, and it may depend on, and be depended on by, <see cref="ApptainerTaskAttribute"/>
/// tasks of the same workflow.
/// </summary>
/// <remarks>
/// Properties left unset keep the runtime's defaults: <see cref="TimeoutSeconds"/> is unset at 0 and
/// <see cref="Remove"/> follows the workflow unless assigned. A class may carry this attribute or
/// <see cref="ApptainerTaskAttribute"/>, not both.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class BatchTaskAttribute : Attribute
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
}
