namespace Dagon.Model;

/// <summary>Entry point of the fluent API: <c>Workflow.Create("demo").Task("A", t =&gt; t.Command("...")).Build()</c>.</summary>
public static class Workflow
{
    public static WorkflowBuilder Create(string name) => new(name);
}

/// <summary>Collects tasks and builds a validated <see cref="WorkflowDefinition"/>.</summary>
public sealed class WorkflowBuilder
{
    private readonly List<TaskBuilder> _tasks = [];
    private readonly List<string> _configureErrors = [];
    private string? _defaultImage;
    private string? _baseDirectory;
    private bool? _defaultRemove;
    private Scheduler? _scheduler;
    private string? _defaultPublish;
    private PullPolicy _defaultPull;

    internal WorkflowBuilder(string name) => Name = name;

    public string Name { get; }

    /// <summary>Image for every task that does not name its own.</summary>
    public WorkflowBuilder DefaultImage(string image)
    {
        _defaultImage = image;
        return this;
    }

    /// <summary>Folder that relative local image paths are resolved against (default: the current directory).</summary>
    public WorkflowBuilder BaseDirectory(string directory)
    {
        _baseDirectory = directory;
        return this;
    }

    /// <summary>Default for <see cref="TaskBuilder.Publish"/> of every task that declares outputs.</summary>
    public WorkflowBuilder Publish(string directory)
    {
        _defaultPublish = directory;
        return this;
    }

    /// <summary>Default for <see cref="TaskBuilder.Remove"/> of every task.</summary>
    public WorkflowBuilder Remove(bool remove)
    {
        _defaultRemove = remove;
        return this;
    }

    /// <summary>Default for <see cref="TaskBuilder.Pull"/> of every container task.</summary>
    public WorkflowBuilder Pull(PullPolicy pull)
    {
        _defaultPull = pull;
        return this;
    }

    /// <summary>How every task that does not say so itself is started: directly, or as a Slurm job.</summary>
    public WorkflowBuilder Scheduler(Scheduler scheduler)
    {
        _scheduler = scheduler;
        return this;
    }

    public WorkflowBuilder Task(string name, Action<TaskBuilder> configure)
    {
        var task = new TaskBuilder(name);
        configure(task);
        _tasks.Add(task);
        return this;
    }

    public WorkflowBuilder Task(string name, string command, string? image = null) =>
        Task(name, t =>
        {
            t.Command(command);
            if (image is not null) t.Image(image);
        });

    /// <summary>Adds a batch task: a shell command on the host, without a container.</summary>
    public WorkflowBuilder BatchTask(string name, string command, Action<TaskBuilder>? configure = null) =>
        Task(name, t =>
        {
            t.Batch().Command(command);
            configure?.Invoke(t);
        });

    /// <summary>Adjusts a task that was already added (how generated code applies user configuration).</summary>
    public WorkflowBuilder Configure(string taskName, Action<TaskBuilder> configure)
    {
        var task = _tasks.FirstOrDefault(t => t.Name == taskName);
        if (task is null)
        {
            _configureErrors.Add($"Cannot configure task '{taskName}': workflow '{Name}' has no such task");
        }
        else
        {
            configure(task);
        }

        return this;
    }

    /// <summary>Runs every task added so far that names no host of its own on <paramref name="hostProfile"/>; call it after the tasks.</summary>
    public WorkflowBuilder OnHost(string hostProfile)
    {
        foreach (var task in _tasks.Where(t => t.HostName is null)) task.OnHost(hostProfile);
        return this;
    }

    /// <summary>Every task added so far, for code that adjusts them in bulk.</summary>
    public IReadOnlyList<TaskBuilder> Tasks => _tasks;

    /// <summary>Validates and freezes the workflow; throws <see cref="WorkflowValidationException"/> listing every problem.</summary>
    public WorkflowDefinition Build()
    {
        var baseDirectory = Path.GetFullPath(_baseDirectory ?? Directory.GetCurrentDirectory());
        var errors = new List<string>(_configureErrors);
        var definitions = new List<TaskDefinition>(_tasks.Count);

        foreach (var task in _tasks)
        {
            List<BindPath>? binds = null;
            foreach (var spec in task.BindSpecs)
            {
                if (BindPath.TryParse(spec, out var bind, out var error)) (binds ??= []).Add(bind!);
                else errors.Add($"Task '{task.Name}': {error}");
            }

            definitions.Add(new TaskDefinition
            {
                Name = task.Name,
                Kind = task.Kind,
                Command = task.CommandText ?? string.Empty,
                Image = task.ImageReference,
                BindPaths = (IReadOnlyList<BindPath>?)binds ?? [],
                OverlaySizeMb = task.OverlaySizeMb,
                Overlay = task.OverlayMode,
                TmpDir = task.TmpDirectory,
                Remove = task.RemoveAfterRun ?? _defaultRemove ?? true,
                DependsOn = task.Dependencies.Count == 0 ? [] : task.Dependencies.ToArray(),
                Timeout = task.TimeoutValue,
                Shell = task.ShellPath,
                Environment = task.EnvironmentVariables is { Count: > 0 } environment
                    ? new Dictionary<string, string>(environment, StringComparer.Ordinal)
                    : TaskDefinition.NoEnvironment,
                Host = task.HostName,
                Isolation = task.IsolationMode,
                GpuVendor = task.Vendor,
                Pull = task.PullValue != PullPolicy.Unset || task.Kind == TaskKind.Batch ? task.PullValue : _defaultPull,
                Runscript = task.UsesRunscript,
                ContainerOptions = task.ContainerOptionList.Count == 0 ? [] : task.ContainerOptionList.ToArray(),
                Scheduler = task.SchedulerValue,
                Slurm = task.SlurmValue,
                Outputs = task.OutputList.Count == 0 ? [] : task.OutputList.ToArray(),
                Publish = task.PublishDirectory ?? _defaultPublish,
                Retries = task.RetryCount,
                RetryOnExitCodes = task.RetryExitCodes.Count == 0 ? [] : task.RetryExitCodes.ToArray(),
                RetryOn = task.RetryKinds,
            });
        }

        errors.AddRange(WorkflowValidator.Validate(Name, _defaultImage, baseDirectory, definitions));
        errors.AddRange(SlurmValidator.Validate(_scheduler, definitions));
        if (errors.Count > 0)
        {
            throw new WorkflowValidationException(Name, errors);
        }

        return new WorkflowDefinition(Name, _defaultImage, baseDirectory, definitions) { Scheduler = _scheduler };
    }
}
