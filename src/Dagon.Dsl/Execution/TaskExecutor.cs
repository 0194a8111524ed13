using System.Diagnostics;
using Dagon.Containers;
using Dagon.Images;
using Dagon.Launching;
using Dagon.Launching.Slurm;
using Dagon.Model;
using Dagon.Places;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dagon.Execution;

/// <summary>
/// Runs real tasks by answering three questions separately: where (the task's <see cref="IPlace"/>), how (an
/// <see cref="ITaskLauncher"/>), and what (<see cref="TaskCommands"/>: Apptainer's argv for a container task, the
/// shell's for a batch task). Every combination goes through the same few lines below.
/// </summary>
public sealed class TaskExecutor : ITaskExecutor
{
    private readonly RunPreparation _preparation;
    private readonly ITaskLauncher _launcher;
    private readonly ApptainerOptions _apptainer;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SchedulerPreparation _schedulers;

    public TaskExecutor(PlaceDirectory places, ImageCache localImages, HostImageCache hostImages, OverlayFactory overlays,
        ITaskLauncher launcher, IOptions<ApptainerOptions> apptainer, ILoggerFactory loggerFactory, SlurmSettings? slurm = null)
    {
        _schedulers = new SchedulerPreparation(slurm ?? new SlurmSettings(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()),
            loggerFactory.CreateLogger("Dagon.Slurm"));
        _launcher = launcher;
        _apptainer = apptainer.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Dagon.Execution");
        _preparation = new RunPreparation(new AbandonedRuns(_logger), new AbandonedRemoteRuns(_logger), places, localImages, hostImages, overlays, _apptainer, _logger);
    }

    public async Task<Preparation> PrepareAsync(ExecutionPlan plan, DagonOptions options, CancellationToken cancellationToken)
    {
        var preparation = await _preparation.PrepareAsync(plan, options, cancellationToken).ConfigureAwait(false);
        if (preparation.SetupError is not null || preparation.Failures.Count > 0) return preparation;
        return await _schedulers.PrepareAsync(preparation, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TaskOutcome> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var task = execution.Task;
        var run = execution.Run;
        var place = run.Places[task.Index];
        IReadOnlyList<string> argv;
        if (task.Definition.Kind == TaskKind.Batch)
        {
            argv = TaskCommands.Batch(task, execution.Inputs);
            // Made here rather than in preparation: a thousand batch tasks start sooner.
            await place.CreateDirectoriesAsync([execution.Workspace.WorkDir], cancellationToken).ConfigureAwait(false);
            if (place.Host is null) _logger.LogInformation("Executing on host: {Command}", task.Definition.Command);
            else _logger.LogInformation("Executing on host {Host}: {Command}", place.Host, task.Definition.Command);
        }
        else
        {
            if (await WaitForOverlayAsync(execution).ConfigureAwait(false) is { } failed) return failed;
            var settings = ContainerSettings.Resolve(task.Definition, place.Settings.Isolation, _apptainer);
            argv = TaskCommands.Container(task, run, execution.Inputs, _preparation.OverlayOf(task), _apptainer.Silent, settings);
            if (place.Host is null) _logger.LogInformation("Executing in container: {Command}", task.Definition.Command);
            else _logger.LogInformation("Executing in remote container on {Host}: {Command}", place.Host, task.Definition.Command);
        }

        var taskLogger = _loggerFactory.CreateLogger($"Dagon.Task.{task.DisplayName}");
        var started = Stopwatch.GetTimestamp();
        try
        {
            var launcher = run.Schedulers[task.Index] == Scheduler.Slurm ? run.Slurm! : _launcher;
            return await launcher.LaunchAsync(new LaunchRequest(place, argv, execution.Workspace)
            {
                Task = task,
                Attempt = Math.Max(1, execution.Timings.Attempts),
                Timeout = task.Definition.Timeout,
                Killed = task.Definition.Kind == TaskKind.Batch ? "the process" : "the container",
                // Escaped: a task's output must not be able to drive the terminal the run is watched on.
                OnStdout = line => taskLogger.LogInformation("[{Task}] {Line}", task.DisplayName, Printable.Escape(line)),
                OnStderr = line => taskLogger.LogWarning("[{Task}] {Line}", task.DisplayName, Printable.Escape(line)),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (PlaceUnavailableException exception)
        {
            return TaskOutcome.Failed(exception.Message, kind: FailureKind.LostConnection);
        }
        finally
        {
            execution.Timings.Execution = Stopwatch.GetElapsedTime(started);
        }
    }

    private async Task<TaskOutcome?> WaitForOverlayAsync(TaskExecution execution)
    {
        var task = execution.Task;
        var container = execution.Run.ContainerName(task);
        var host = execution.Run.Places[task.Index].Host;
        if (host is null) _logger.LogInformation("Preparing Apptainer container: {Container}", container);
        else _logger.LogInformation("Preparing remote Apptainer container: {Container} on {Host}", container, host);
        if (execution.Run.Overlays[task.Index] is { } overlay)
        {
            try
            {
                execution.Timings.Overlay = await overlay.ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is ImagePreparationException or PlaceUnavailableException)
            {
                return TaskOutcome.Failed(exception.Message);
            }
        }

        _logger.LogInformation(host is null ? "Container {Container} prepared successfully" : "Remote container {Container} prepared successfully",
            container);
        return null;
    }

    public async Task CleanupAsync(PlannedTask task, RunState run, CancellationToken cancellationToken)
    {
        if (run.Overlays[task.Index] is { } overlay)
        {
            // Never delete a workspace under an overlay creation that is still running.
            try { await overlay.ConfigureAwait(false); } catch (Exception) { /* reported by the task */ }
        }

        var workspace = run.Workspaces[task.Index];
        if (workspace is null) return;
        var place = run.Places[task.Index];
        if (!(run.Options.Remove ?? task.Definition.Remove))
        {
            if (place.Host is null) _logger.LogInformation("Keeping working directory: {Directory}", workspace.Root);
            else _logger.LogInformation("Keeping remote working directory on {Host}: {Directory}", place.Host, workspace.Root);
            return;
        }

        if (place.Host is null) _logger.LogInformation("Cleaning up working directory: {Directory}", workspace.Root);
        else _logger.LogInformation("Cleaning up remote working directory on {Host}: {Directory}", place.Host, workspace.Root);
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromMinutes(5));
            await place.RemoveTreeAsync(workspace.Root, limit.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or PlaceUnavailableException or OperationCanceledException)
        {
            _logger.LogWarning("Could not remove working directory {Directory} on {Place}: {Reason}", workspace.Root, place.Description, exception.Message);
        }
    }

    /// <summary>
    /// Each run folder that held only removed workspaces goes too, with the copies staged into it (<c>.inputs</c>);
    /// a folder that keeps a workspace stays.
    /// </summary>
    public async Task FinishAsync(RunState run, CancellationToken cancellationToken)
    {
        if (run.Slurm is not null) await run.Slurm.DisposeAsync().ConfigureAwait(false);
        var folders = run.Plan.Tasks.Where(t => run.Workspaces[t.Index] is not null)
            .GroupBy(t => (Place: run.Places[t.Index], Folder: run.Workspaces[t.Index].RunDirectory));
        foreach (var folder in folders)
        {
            try
            {
                if (folder.Any(t => !(run.Options.Remove ?? t.Definition.Remove)))
                {
                    if (folder.Key.Place.Host is null) AbandonedRuns.Release(folder.Key.Folder);
                    else await AbandonedRemoteRuns.ReleaseAsync(folder.Key.Place, folder.Key.Folder, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await folder.Key.Place.RemoveTreeAsync(folder.Key.Folder, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or PlaceUnavailableException or OperationCanceledException)
            {
                _logger.LogWarning("Could not remove run folder {Directory} on {Place}: {Reason}", folder.Key.Folder, folder.Key.Place.Description, exception.Message);
            }
        }
    }
}
