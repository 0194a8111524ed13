namespace Dagon.Model;

/// <summary>Fluent configuration of one task. Generated workflow code calls the same methods.</summary>
public sealed partial class TaskBuilder
{
    // Allocated on first use: a workflow of a million tasks mostly has none of these.
    private List<string>? _bindSpecs;
    private List<string>? _dependsOn;
    private Dictionary<string, string>? _environment;
    private List<string>? _containerOptions;
    private List<string>? _outputs;
    private List<int>? _retryExitCodes;

    internal TaskBuilder(string name) => Name = name;

    public string Name { get; }

    internal TaskKind Kind { get; private set; } = TaskKind.Apptainer;
    internal string? CommandText { get; private set; }
    internal string? ImageReference { get; private set; }
    internal int OverlaySizeMb { get; private set; } = TaskDefinition.DefaultOverlaySizeMb;
    internal OverlayMode OverlayMode { get; private set; } = OverlayMode.Image;
    internal string? TmpDirectory { get; private set; }
    internal bool? RemoveAfterRun { get; private set; }
    internal TimeSpan? TimeoutValue { get; private set; }
    internal string? ShellPath { get; private set; }
    internal string? HostName { get; private set; }
    internal IReadOnlyList<string> BindSpecs => (IReadOnlyList<string>?)_bindSpecs ?? [];
    internal IReadOnlyList<string> Dependencies => (IReadOnlyList<string>?)_dependsOn ?? [];
    internal IReadOnlyDictionary<string, string>? EnvironmentVariables => _environment;
    internal ContainerIsolation IsolationMode { get; private set; }
    internal GpuVendor Vendor { get; private set; }
    internal PullPolicy PullValue { get; private set; }
    internal bool UsesRunscript { get; private set; }
    internal IReadOnlyList<string> ContainerOptionList => (IReadOnlyList<string>?)_containerOptions ?? [];
    internal IReadOnlyList<string> OutputList => (IReadOnlyList<string>?)_outputs ?? [];
    internal string? PublishDirectory { get; private set; }
    internal int? RetryCount { get; private set; }
    internal IReadOnlyList<int> RetryExitCodes => (IReadOnlyList<int>?)_retryExitCodes ?? [];
    internal RetryOn RetryKinds { get; private set; }

    /// <summary>Runs the command as a batch task: in a shell on the host, without a container.</summary>
    public TaskBuilder Batch()
    {
        Kind = TaskKind.Batch;
        return this;
    }

    /// <summary>Runs the command in an Apptainer container (the default).</summary>
    public TaskBuilder Apptainer()
    {
        Kind = TaskKind.Apptainer;
        return this;
    }

    public TaskBuilder Command(string command)
    {
        CommandText = command;
        return this;
    }

    /// <summary><c>docker://</c>, <c>library://</c>, <c>oras://</c>, <c>http(s)://</c>, a <c>.sif</c>, a <c>.def</c> or a sandbox directory.</summary>
    public TaskBuilder Image(string image)
    {
        ImageReference = image;
        return this;
    }

    /// <summary>Adds a bind path, <c>src:dst</c>, <c>src:dst:ro</c> or <c>src:dst:rw</c>.</summary>
    public TaskBuilder Bind(string spec)
    {
        (_bindSpecs ??= []).Add(spec);
        return this;
    }

    public TaskBuilder Bind(string source, string destination, bool readOnly = false) =>
        Bind(readOnly ? $"{source}:{destination}:ro" : $"{source}:{destination}");

    public TaskBuilder BindPaths(IEnumerable<string> specs)
    {
        (_bindSpecs ??= []).AddRange(specs);
        return this;
    }

    /// <summary>Size in MB of the task's writable overlay image (default 1024).</summary>
    public TaskBuilder OverlaySize(int megabytes)
    {
        OverlaySizeMb = megabytes;
        OverlayMode = OverlayMode.Image;
        return this;
    }

    public TaskBuilder Overlay(OverlayMode mode)
    {
        OverlayMode = mode;
        return this;
    }

    public TaskBuilder WritableTmpfs() => Overlay(OverlayMode.WritableTmpfs);

    public TaskBuilder NoOverlay() => Overlay(OverlayMode.None);

    public TaskBuilder TmpDir(string directory)
    {
        TmpDirectory = directory;
        return this;
    }

    /// <summary>Whether the work directory and overlay are deleted after the run (default true).</summary>
    public TaskBuilder Remove(bool remove = true)
    {
        RemoveAfterRun = remove;
        return this;
    }

    public TaskBuilder DependsOn(params string[] taskNames)
    {
        _dependsOn ??= new List<string>(taskNames.Length);
        foreach (var name in taskNames)
        {
            if (!_dependsOn.Contains(name)) _dependsOn.Add(name);
        }

        return this;
    }

    public TaskBuilder Timeout(TimeSpan timeout)
    {
        TimeoutValue = timeout;
        return this;
    }

    public TaskBuilder Shell(string shell)
    {
        ShellPath = shell;
        return this;
    }

    public TaskBuilder Env(string name, string value)
    {
        (_environment ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = value;
        return this;
    }

    /// <summary>Runs the task on a host profile from the configuration instead of this machine.</summary>
    public TaskBuilder OnHost(string hostProfile)
    {
        HostName = hostProfile;
        return this;
    }

    /// <summary>What the container sees: Clean (the default), Contained, or Inherit (the whole environment and home).</summary>
    public TaskBuilder Isolation(ContainerIsolation isolation)
    {
        IsolationMode = isolation;
        return this;
    }

    /// <summary>GPU libraries and devices of one vendor: Nvidia (<c>--nv</c>) or Amd (<c>--rocm</c>).</summary>
    public TaskBuilder Gpu(GpuVendor vendor)
    {
        Vendor = vendor;
        return this;
    }

    /// <summary>
    /// When this task's registry image is fetched again, over the workflow's and the run's <c>[apptainer] pull</c>.
    /// Tasks sharing an image on one place share one pull: the strictest of their policies applies (always, then
    /// missing, then never).
    /// </summary>
    public TaskBuilder Pull(PullPolicy pull)
    {
        PullValue = pull;
        return this;
    }

    /// <summary>Runs the image's %runscript with the command's words as its arguments (<c>apptainer run</c>).</summary>
    public TaskBuilder Runscript(bool runscript = true)
    {
        UsesRunscript = runscript;
        return this;
    }

    /// <summary>Adds Apptainer options for this task, one argv element each (<c>"--bind", "/a:/b"</c>, not one string).</summary>
    public TaskBuilder ContainerOptions(params string[] options)
    {
        (_containerOptions ??= []).AddRange(options);
        return this;
    }

    /// <summary>Declares files the task leaves in its work folder (relative paths or globs); a missing one fails the task.</summary>
    public TaskBuilder Outputs(params string[] outputs)
    {
        (_outputs ??= []).AddRange(outputs);
        return this;
    }

    /// <summary>Copies the declared outputs into <paramref name="directory"/> after the task succeeds.</summary>
    public TaskBuilder Publish(string directory)
    {
        PublishDirectory = directory;
        return this;
    }

    /// <summary>Runs a failed task up to <paramref name="retries"/> more times, only for <paramref name="onExitCodes"/> when given.</summary>
    public TaskBuilder Retries(int retries, params int[] onExitCodes)
    {
        RetryCount = retries;
        (_retryExitCodes ??= []).AddRange(onExitCodes);
        return this;
    }

    /// <summary>
    /// Runs a failed task up to <paramref name="retries"/> more times, only for failures of the kinds <paramref name="on"/>
    /// (<c>RetryOn.Timeout | RetryOn.OutOfMemory</c>) and for <paramref name="onExitCodes"/>.
    /// </summary>
    public TaskBuilder Retries(int retries, RetryOn on, params int[] onExitCodes)
    {
        Retries(retries, onExitCodes);
        RetryKinds |= on;
        return this;
    }

    /// <summary>
    /// Retries the task only for failures of the kinds <paramref name="on"/> and for <paramref name="onExitCodes"/>, as
    /// often as the run's <c>retries</c> says.
    /// </summary>
    public TaskBuilder RetryOn(RetryOn on, params int[] onExitCodes)
    {
        RetryKinds |= on;
        (_retryExitCodes ??= []).AddRange(onExitCodes);
        return this;
    }
}
