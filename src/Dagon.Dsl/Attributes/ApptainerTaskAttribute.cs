namespace Dagon;

/// <summary>
/// Declares a task of the enclosing <see cref="WorkflowAttribute"/> class: a shell command run in an Apptainer
/// container. <c>workflow:///Task/path</c> references in a constant command are checked and turned into edges at
/// compile time.
/// </summary>
/// <remarks>
/// Properties left unset keep the runtime's defaults. Attribute properties cannot say "unset", so numeric and boolean
/// properties use a sentinel: <see cref="OverlaySize"/> and <see cref="TimeoutSeconds"/> are unset at 0 and
/// <see cref="Remove"/> follows the workflow unless assigned.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class ApptainerTaskAttribute : Attribute
{
    /// <summary>The shell command; a task class may instead declare <c>static string BuildCommand()</c> computed at run time.</summary>
    public string? Command { get; set; }

    /// <summary>The task's name in the workflow (default: the class name).</summary>
    public string? Name { get; set; }

    /// <summary><c>docker://</c>, <c>library://</c>, <c>oras://</c>, <c>http(s)://</c>, a <c>.sif</c>, a <c>.def</c> or a sandbox directory.</summary>
    public string? Image { get; set; }

    /// <summary>Size in MB of the writable overlay; at least 64 (what Apptainer accepts) when set.</summary>
    public int OverlaySize { get; set; }

    /// <summary>Bind paths, each <c>src:dst</c>, <c>src:dst:ro</c> or <c>src:dst:rw</c>, with an absolute destination.</summary>
    public string[]? BindPaths { get; set; }

    public string? TmpDir { get; set; }

    /// <summary>Whether the work directory and overlay are deleted after the run.</summary>
    public bool Remove { get; set; } = true;

    /// <summary>Host profile from the configuration to run the task on, instead of this machine.</summary>
    public string? Host { get; set; }

    /// <summary>Time limit in seconds; must be positive when set.</summary>
    public int TimeoutSeconds { get; set; }

    /// <summary>What the container sees of its place (default: the host's or the run's setting, else Clean).</summary>
    public Model.ContainerIsolation Isolation { get; set; }

    /// <summary>GPU support: Nvidia (<c>--nv</c>) or Amd (<c>--rocm</c>).</summary>
    public Model.GpuVendor GpuVendor { get; set; }

    /// <summary>Runs the image's %runscript with the command's words as its arguments, as <c>apptainer run</c> does.</summary>
    public bool Runscript { get; set; }

    /// <summary>Extra Apptainer options, one argv element each; options the engine sets itself are refused (DAG042).</summary>
    public string[]? ContainerOptions { get; set; }
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
