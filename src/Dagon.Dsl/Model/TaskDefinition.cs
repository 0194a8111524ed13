namespace Dagon.Model;

/// <summary>How a task's command is run.</summary>
public enum TaskKind
{
    /// <summary>Inside an Apptainer container.</summary>
    Apptainer,

    /// <summary>A plain shell command on the host, with no container (DagOnStar's BATCH tasks).</summary>
    Batch,
}

/// <summary>How a container task gets writable space outside its work directory.</summary>
public enum OverlayMode
{
    /// <summary>A persistent ext3 overlay image per task (<c>apptainer overlay create</c>), as large as <see cref="TaskDefinition.OverlaySizeMb"/>.</summary>
    Image,
    /// <summary>A tmpfs overlay that vanishes with the container (<c>--writable-tmpfs</c>); no setup cost.</summary>
    WritableTmpfs,
    /// <summary>A read-only container: only the work directory and binds are writable.</summary>
    None,
}

/// <summary>One node of a workflow: a shell command, where and how it runs, and what it depends on.</summary>
public sealed record TaskDefinition
{
    public const int DefaultOverlaySizeMb = 1024;

    public required string Name { get; init; }

    public TaskKind Kind { get; init; } = TaskKind.Apptainer;

    /// <summary>A shell command; <c>workflow://</c> references in it are rewritten to where this task sees the files.</summary>
    public required string Command { get; init; }

    /// <summary>The image reference as written (falls back to the workflow's default image when null).</summary>
    public string? Image { get; init; }

    public IReadOnlyList<BindPath> BindPaths { get; init; } = [];

    public int OverlaySizeMb { get; init; } = DefaultOverlaySizeMb;

    public OverlayMode Overlay { get; init; } = OverlayMode.Image;

    /// <summary>Parent folder of the task's work directory; the run's default temp dir when null.</summary>
    public string? TmpDir { get; init; }

    /// <summary>Delete the work directory and overlay when the run ends (false keeps them for debugging).</summary>
    public bool Remove { get; init; } = true;

    /// <summary>Tasks this task runs after, besides those its references imply.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    public TimeSpan? Timeout { get; init; }

    /// <summary>Shell that runs the command inside the container; null prefers bash and falls back to sh.</summary>
    public string? Shell { get; init; }

    /// <summary>Environment variables set for the command.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = NoEnvironment;

    internal static readonly IReadOnlyDictionary<string, string> NoEnvironment =
        new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>());

    /// <summary>Name of the host profile the task runs on; null runs it on this machine.</summary>
    public string? Host { get; init; }

    /// <summary>What the container sees of its place; <see cref="ContainerIsolation.Unset"/> follows the host, then the run.</summary>
    public ContainerIsolation Isolation { get; init; }

    /// <summary>GPU support of the container: <c>--nv</c> or <c>--rocm</c>.</summary>
    public GpuVendor GpuVendor { get; init; }

    /// <summary>When the task's registry image is fetched again; <see cref="PullPolicy.Unset"/> follows the run's <c>[apptainer] pull</c>.</summary>
    public PullPolicy Pull { get; init; }

    /// <summary>Runs the image's <c>%runscript</c> with the command's words as its arguments, as <c>apptainer run</c> does.</summary>
    public bool Runscript { get; init; }

    /// <summary>Extra Apptainer options for this task, an argv list checked by <see cref="Dagon.Rules.ContainerOptionRules"/>.</summary>
    public IReadOnlyList<string> ContainerOptions { get; init; } = [];
    /// <summary>How the task is started, when the task says so; null follows the workflow, the host profile, then the run.</summary>
    public Scheduler? Scheduler { get; init; }

    /// <summary>What the task asks Slurm for when it runs as a Slurm job.</summary>
    public SlurmRequest Slurm { get; init; } = SlurmRequest.None;

    /// <summary>Files the task must leave in its work folder, relative paths or globs (<see cref="Dagon.Rules.OutputPatterns"/>).</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    /// <summary>Folder the declared outputs are copied to after the task succeeds; null publishes nothing.</summary>
    public string? Publish { get; init; }

    /// <summary>How many times a failed task is run again (0: never; null follows the run's <c>retries</c>).</summary>
    public int? Retries { get; init; }

    /// <summary>Exit codes that are retried. With <see cref="RetryOn"/> unset and no codes, the run's <c>retry_on</c> applies, else any failure is retried.</summary>
    public IReadOnlyList<int> RetryOnExitCodes { get; init; } = [];

    /// <summary>Kinds of failure that are retried (with <see cref="RetryOnExitCodes"/>); unset follows the run's <c>retry_on</c>.</summary>
    public RetryOn RetryOn { get; init; }

    /// <summary>The <c>workflow://</c> references in <see cref="Command"/>.</summary>
    public IReadOnlyList<WorkflowReference> References => _references ??=
        Command.Contains(WorkflowReference.Scheme, StringComparison.Ordinal) ? WorkflowReferenceParser.Parse(Command) : [];

    private IReadOnlyList<WorkflowReference>? _references;
}
