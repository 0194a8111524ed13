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

    /// <summary>Extra Apptainer options, one argv element each; options the engine sets itself are refused (DAG043).</summary>
    public string[]? ContainerOptions { get; set; }

    /// <summary>Files the task leaves in its work folder, relative paths or globs (<c>output/f1.txt</c>, <c>results/*.csv</c>); a missing one fails the task.</summary>
    public string[]? Outputs { get; set; }

    /// <summary>Folder the declared outputs are copied to after the task succeeds.</summary>
    public string? Publish { get; set; }

    /// <summary>How many times a failed task is run again; unset (0) follows the run's <c>retries</c>.</summary>
    public int Retries { get; set; }

    /// <summary>Exit codes that are retried; unset retries any failure.</summary>
    public int[]? RetryOnExitCodes { get; set; }
}
