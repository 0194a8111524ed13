using System.Collections.Concurrent;
using System.Diagnostics;
using Dagon.Execution.Processes;
using Dagon.Model;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dagon.Execution.Apptainer;

/// <summary>Runs Apptainer tasks on this machine: one <c>apptainer exec</c> per task on the critical path.</summary>
public sealed class ApptainerBackend(
    IOptions<ApptainerOptions> options,
    ImageCache imageCache,
    ILogger<ApptainerBackend> logger) : ITaskBackend
{
    private readonly ApptainerOptions _options = options.Value;
    private readonly ConcurrentDictionary<(string RunId, int Task), PreparedImage> _images = new();
    private readonly ConcurrentDictionary<(string RunId, int Task), Task<TimeSpan>> _overlays = new();
    private string? _apptainer;

    public string Name => "apptainer";

    public bool CanRun(PlannedTask task) => task.Definition.Kind == TaskKind.Apptainer && task.Definition.Host is null;

    public TaskWorkspace PlanWorkspace(PlannedTask task, RunContext run) => LocalWorkspaces.Plan(task, run);

    public async Task<IReadOnlyList<PreparationFailure>> PrepareAsync(IReadOnlyList<PlannedTask> tasks, RunContext run, CancellationToken cancellationToken)
    {
        _apptainer = ApptainerLocator.Resolve(_options.Executable);
        var failures = new List<PreparationFailure>();

        foreach (var task in tasks)
        {
            foreach (var bind in task.Definition.BindPaths)
            {
                if (!Directory.Exists(bind.Source) && !File.Exists(bind.Source))
                {
                    failures.Add(new PreparationFailure(task, $"bind source '{bind.Source}' (in '{bind}') does not exist on this machine"));
                }
            }
        }

        foreach (var task in tasks)
        {
            SharedDirectory.Create(run.Workspaces[task.Index].WorkDir);
        }

        // Overlays do not depend on images, so they are made while images build, in the background and bounded,
        // so that a task's exec rarely waits for its own.
        var limiter = new SemaphoreSlim(Math.Max(1, run.Options.EffectiveParallelism));
        foreach (var task in tasks.Where(t => OverlayOf(t) == OverlayMode.Image))
        {
            _overlays[(run.RunId, task.Index)] = CreateOverlayAsync(task, run.Workspaces[task.Index], limiter, cancellationToken);
        }

        // Every distinct image once, all at the same time: a bad image fails the run before any task starts.
        var byImage = tasks.GroupBy(t => t.ImageReference!, StringComparer.Ordinal).ToList();
        var preparations = byImage.Select(async group =>
        {
            var source = ImageSource.Parse(group.Key, group.First().Workflow.BaseDirectory);
            try
            {
                var image = await imageCache.PrepareAsync(source, _apptainer, cancellationToken).ConfigureAwait(false);
                foreach (var task in group)
                {
                    _images[(run.RunId, task.Index)] = image;
                    run.Timings[task.Index].ImagePreparation = image.Elapsed;
                }

                return [];
            }
            catch (ImagePreparationException exception)
            {
                return group.Select(task => new PreparationFailure(task, exception.Message)).ToArray();
            }
        }).ToList();
        foreach (var result in await Task.WhenAll(preparations).ConfigureAwait(false)) failures.AddRange(result);
        return failures;
    }

    public async Task<TaskOutcome> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var task = execution.Task;
        var run = execution.Run;
        var workspace = execution.Workspace;
        var container = run.ContainerName(task);
        var overlay = OverlayOf(task);

        logger.LogInformation("Preparing Apptainer container: {Container}", container);
        if (_overlays.TryGetValue((run.RunId, task.Index), out var overlayCreation))
        {
            try
            {
                execution.Timings.Overlay = await overlayCreation.ConfigureAwait(false);
            }
            catch (OverlayCreationException exception)
            {
                return TaskOutcome.Failed(exception.Message, errorTail: exception.Tail);
            }
        }

        logger.LogInformation("Container {Container} prepared successfully", container);

        var command = InputStager.RewriteCommand(task.Definition.Command, execution.Inputs, input => input.ContainerDirectory);
        var image = _images[(run.RunId, task.Index)];
        var args = ApptainerCommandLine.Exec(image.Path, command, task.Definition, overlay, workspace.OverlayPath,
            workspace.WorkDir, execution.Inputs, _options.Silent);

        logger.LogInformation("Executing in container: {Command}", task.Definition.Command);
        return await TaskProcess.RunAsync(execution, _apptainer!, args, environment: null, "the container was killed", cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task CleanupAsync(PlannedTask task, RunContext run, CancellationToken cancellationToken)
    {
        _images.TryRemove((run.RunId, task.Index), out _);
        if (_overlays.TryRemove((run.RunId, task.Index), out var overlay))
        {
            // Never delete a workspace under an overlay creation that is still running.
            try { await overlay.ConfigureAwait(false); } catch (Exception) { /* reported by the task */ }
        }

        LocalWorkspaces.Cleanup(task, run, logger);
    }

    private OverlayMode OverlayOf(PlannedTask task) => _options.Overlay ?? task.Definition.Overlay;

    private async Task<TimeSpan> CreateOverlayAsync(PlannedTask task, TaskWorkspace workspace, SemaphoreSlim limiter, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var stopwatch = Stopwatch.StartNew();
        var size = task.Definition.OverlaySizeMb;
        string template;
        try
        {
            template = await imageCache.OverlayTemplateAsync(size, _apptainer!, cancellationToken).ConfigureAwait(false);
        }
        catch (ImagePreparationException exception)
        {
            throw new OverlayCreationException($"could not create the {size} MB overlay for task '{task.DisplayName}': {exception.Message}", []);
        }

        await limiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SparseFile.Copy(template, workspace.OverlayPath);
            SharedDirectory.OpenUp(workspace.OverlayPath);
            logger.LogInformation("Overlay created: {Path} ({Size}MB)", workspace.OverlayPath, size);
            return stopwatch.Elapsed;
        }
        catch (IOException exception)
        {
            var hint = exception.HResult == 28 || exception.Message.Contains("space", StringComparison.OrdinalIgnoreCase)
                ? $" There is not enough free space in {workspace.Root}: free some, choose another tmp_dir, or lower the task's overlay size."
                : string.Empty;
            throw new OverlayCreationException($"could not create the {size} MB overlay {workspace.OverlayPath}: {exception.Message}.{hint}", []);
        }
        finally
        {
            limiter.Release();
        }
    }

    private sealed class OverlayCreationException(string message, IReadOnlyList<string> tail) : Exception(message)
    {
        public IReadOnlyList<string> Tail { get; } = tail;
    }
}
