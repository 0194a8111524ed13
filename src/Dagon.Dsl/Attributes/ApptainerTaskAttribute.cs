namespace Dagon;

/// <summary>
/// Declares a task of the enclosing <see cref="WorkflowAttribute"/> class: a shell command run in an Apptainer
/// container. <c>workflow:///Task/path</c> references in a constant command are checked and turned into edges at
/// compile time.
/// </summary>
/// <remarks>
/// Properties left unset keep the runtime's defaults. Attribute properties cannot say "unset", so numeric and boolean
/// properties use a sentinel: <see cref="OverlaySize"/> and <see cref="TaskAttribute.TimeoutSeconds"/> are unset at 0 and
/// <see cref="TaskAttribute.Remove"/> follows the workflow unless assigned.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class ApptainerTaskAttribute : TaskAttribute
{
    /// <summary><c>docker://</c>, <c>library://</c>, <c>oras://</c>, <c>http(s)://</c>, a <c>.sif</c>, a <c>.def</c> or a sandbox directory.</summary>
    public string? Image { get; set; }

    /// <summary>Size in MB of the writable overlay; at least 64 (what Apptainer accepts) when set.</summary>
    public int OverlaySize { get; set; }

    /// <summary>Bind paths, each <c>src:dst</c>, <c>src:dst:ro</c> or <c>src:dst:rw</c>, with an absolute destination.</summary>
    public string[]? BindPaths { get; set; }

    /// <summary>What the container sees of its place (default: the host's or the run's setting, else Clean).</summary>
    public Model.ContainerIsolation Isolation { get; set; }

    /// <summary>GPU support: Nvidia (<c>--nv</c>) or Amd (<c>--rocm</c>).</summary>
    public Model.GpuVendor GpuVendor { get; set; }

    /// <summary>When the image is fetched again (Missing, Always, Never); unset follows the workflow, then <c>[apptainer] pull</c>.</summary>
    public Model.PullPolicy Pull { get; set; }

    /// <summary>Runs the image's %runscript with the command's words as its arguments, as <c>apptainer run</c> does.</summary>
    public bool Runscript { get; set; }

    /// <summary>Extra Apptainer options, one argv element each; options the engine sets itself are refused (DAG042).</summary>
    public string[]? ContainerOptions { get; set; }
}
