using Dagon.Containers;
using Dagon.Images;
using Dagon.Model;
using Dagon.Places;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging;

namespace Dagon.Execution;

/// <summary>
/// Prepares a run, place by place and all places at once: reaches each place, lays out work folders, finds
/// Apptainer, checks shells and bind sources, makes every distinct image ready once per place, creates the work
/// folders, and starts the overlays in the background. What fails is reported per task, before any task starts.
/// </summary>
internal sealed class RunPreparation(
    AbandonedRuns abandoned,
    AbandonedRemoteRuns abandonedRemote,
    PlaceDirectory places,
    ImageCache localImages,
    HostImageCache hostImages,
    OverlayFactory overlays,
    ApptainerOptions apptainer,
    ILogger logger)
{
    public async Task<Preparation> PrepareAsync(ExecutionPlan plan, DagonOptions options, CancellationToken cancellationToken)
    {
        var run = new RunState(plan, options);
        var failures = new List<PreparationFailure>();
        foreach (var task in plan.Tasks)
        {
            try
            {
                run.Places[task.Index] = places.For(task.Definition.Host);
            }
            catch (PlaceUnavailableException exception)
            {
                failures.Add(new PreparationFailure(task, exception.Message));
                run.Places[task.Index] = places.Local; // never used: the task cannot start
                run.Workspaces[task.Index] = new TaskWorkspace($"/nonexistent/dagon-{run.RunId}/{PathSegment.Slug(task.DisplayName)}");
            }
        }

        if (failures.Count > 0) return new Preparation(run, failures);
        var overlayLimit = new SemaphoreSlim(Math.Max(1, options.EffectiveParallelism));
        try
        {
            var perPlace = await Task.WhenAll(plan.Tasks.GroupBy(t => run.Places[t.Index])
                .Select(group => PreparePlaceAsync(run, group.Key, group.ToList(), overlayLimit, cancellationToken))).ConfigureAwait(false);
            return new Preparation(run, perPlace.SelectMany(f => f).ToList());
        }
        catch (ApptainerNotFoundException exception)
        {
            return new Preparation(run, [], exception.Message);
        }
        catch (OperationCanceledException)
        {
            // Overlays already started must finish (or stop) before the run goes: none may be left half-written.
            foreach (var overlay in run.Overlays.Where(o => o is not null))
            {
                try { await overlay!.ConfigureAwait(false); } catch (Exception) { /* the run is cancelled anyway */ }
            }

            throw;
        }
    }

    private async Task<IReadOnlyList<PreparationFailure>> PreparePlaceAsync(RunState run, IPlace place, List<PlannedTask> tasks,
        SemaphoreSlim overlayLimit, CancellationToken cancellationToken)
    {
        try
        {
            var info = await place.ProbeAsync(cancellationToken).ConfigureAwait(false);
            LayOutWorkspaces(run, place, info, tasks);
            await ClaimRunFoldersAsync(run, place, tasks, cancellationToken).ConfigureAwait(false);
            var containerTasks = tasks.Where(t => t.Definition.Kind == TaskKind.Apptainer).ToList();
            // Overlays do not depend on images: they are made while images build, so a task's exec rarely waits for its own.
            var failures = await FindApptainerAsync(run, place, info, containerTasks, cancellationToken).ConfigureAwait(false);
            failures.AddRange(await CheckPathsAsync(place, tasks, cancellationToken).ConfigureAwait(false));
            failures.AddRange(CheckContainerSettings(place, containerTasks));
            if (failures.Count > 0) return failures;

            await place.CreateDirectoriesAsync(containerTasks.Select(t => run.Workspaces[t.Index].WorkDir).ToList(), cancellationToken)
                .ConfigureAwait(false);
            foreach (var task in containerTasks.Where(t => OverlayOf(t) == OverlayMode.Image))
            {
                run.Overlays[task.Index] = CreateOverlayAsync(run, place, task, overlayLimit, cancellationToken);
            }

            return await PrepareImagesAsync(run, place, containerTasks, cancellationToken).ConfigureAwait(false);
        }
        catch (PlaceUnavailableException exception)
        {
            // Nothing of these tasks is at fault: they are reported as not run because of their place.
            return tasks.Select(t => new PreparationFailure(t, exception.Message, place.Description)).ToList();
        }
    }

    public OverlayMode OverlayOf(PlannedTask task) => apptainer.Overlay ?? task.Definition.Overlay;

    /// <summary><c>PARENT/dagon-RUN/TASK</c>, with <c>~</c>, <c>$HOME</c> and <c>$USER</c> in PARENT expanded as the place reports them.</summary>
    private static void LayOutWorkspaces(RunState run, IPlace place, PlaceInfo info, IEnumerable<PlannedTask> tasks)
    {
        foreach (var task in tasks)
        {
            var parent = info.Expand(task.Definition.TmpDir ?? place.Settings.TmpDir ?? run.Options.ResolveTmpDir());
            if (place.Host is null) parent = Path.GetFullPath(parent);
            run.Workspaces[task.Index] = new TaskWorkspace($"{parent.TrimEnd('/')}/dagon-{run.RunId}/{PathSegment.Slug(task.DisplayName)}");
        }
    }

    /// <summary>
    /// Makes the run's folders on the place now, before any task, so that they can carry the run's owner mark on this
    /// machine (see <see cref="AbandonedRuns"/> and <see cref="AbandonedRemoteRuns"/>).
    /// </summary>
    private async Task ClaimRunFoldersAsync(RunState run, IPlace place, List<PlannedTask> tasks, CancellationToken cancellationToken)
    {
        var folders = tasks.Select(t => run.Workspaces[t.Index].RunDirectory).Distinct(StringComparer.Ordinal).ToList();
        try
        {
            await place.CreateDirectoriesAsync(folders, cancellationToken).ConfigureAwait(false);
            if (place.Host is not null)
            {
                await abandonedRemote.ClaimAsync(place, folders, cancellationToken).ConfigureAwait(false);
                return;
            }

            foreach (var folder in folders) abandoned.Claim(folder);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            var setting = tasks.FirstOrDefault(t => t.Definition.TmpDir is not null) is { } task ? $"the tmp_dir of task '{task.DisplayName}'" : "tmp_dir";
            throw new PlaceUnavailableException(
                $"cannot create the run's work folder {folders[0]} on {place.Description} ({setting}): {exception.Message}", exception);
        }
    }

    private async Task<List<PreparationFailure>> FindApptainerAsync(RunState run, IPlace place, PlaceInfo info, List<PlannedTask> tasks,
        CancellationToken cancellationToken)
    {
        if (tasks.Count == 0) return [];
        var command = place.Settings.Apptainer ?? apptainer.Executable;
        var path = await place.LocateAsync(command, cancellationToken).ConfigureAwait(false);
        if (path is null && place.Host is null) throw ApptainerNotFoundException.OnThisMachine(command);
        if (path is null)
        {
            var message = ApptainerNotFoundException.OnHost(command, place.Description).Message;
            return tasks.Select(t => new PreparationFailure(t, message)).ToList();
        }

        if (place.Host is not null) logger.LogInformation("Host {Host}: Apptainer at {Path}, user {User}", place.Host, path, info.User);
        foreach (var task in tasks) run.Apptainers[task.Index] = path;
        return [];
    }

    /// <summary>Isolation, allow-list and extra options as each task will combine them on this place (<see cref="ContainerSettings"/>).</summary>
    private IEnumerable<PreparationFailure> CheckContainerSettings(IPlace place, List<PlannedTask> tasks)
    {
        foreach (var task in tasks)
        {
            string? error = null;
            try
            {
                ContainerSettings.Resolve(task.Definition, place.Settings.Isolation, apptainer);
            }
            catch (FormatException exception)
            {
                error = exception.Message;
            }

            if (error is not null) yield return new PreparationFailure(task, error);
        }
    }

    /// <summary>One question to the place for every shell and bind source its tasks need.</summary>
    private static async Task<List<PreparationFailure>> CheckPathsAsync(IPlace place, List<PlannedTask> tasks, CancellationToken cancellationToken)
    {
        var needed = new List<(PlannedTask Task, string Path, string Message)>();
        foreach (var task in tasks)
        {
            if (task.Definition.Kind == TaskKind.Batch)
            {
                var shell = task.Definition.Shell ?? TaskCommands.DefaultBatchShell;
                needed.Add((task, shell, $"shell '{shell}' does not exist on {place.Description}"));
            }

            foreach (var bind in task.Definition.BindPaths)
            {
                needed.Add((task, bind.Source, $"bind source '{bind.Source}' (in '{bind}') does not exist on {place.Description}"));
            }
        }

        if (needed.Count == 0) return [];
        var missing = (await place.FindMissingAsync(needed.Select(n => n.Path).Distinct().ToList(), cancellationToken).ConfigureAwait(false))
            .ToHashSet(StringComparer.Ordinal);
        return needed.Where(n => missing.Contains(n.Path)).Select(n => new PreparationFailure(n.Task, n.Message)).ToList();
    }

    /// <summary>Every distinct image of the place once, all at the same time: a bad image fails the run before any task starts.</summary>
    private async Task<IReadOnlyList<PreparationFailure>> PrepareImagesAsync(RunState run, IPlace place, List<PlannedTask> tasks,
        CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(tasks.GroupBy(t => t.Image!).Select(async group =>
        {
            try
            {
                // One image, one pull for all its tasks on this place: the strictest of their policies.
                var pull = PullPolicies.ForImage(group.Select(t => t.Definition.Pull), apptainer.Pull);
                var image = place.Host is null
                    ? await localImages.PrepareAsync(group.Key, run.Apptainers[group.First().Index]!, pull, cancellationToken).ConfigureAwait(false)
                    : await hostImages.PrepareAsync(place, run.Apptainers[group.First().Index]!, group.Key, pull, cancellationToken).ConfigureAwait(false);
                foreach (var task in group)
                {
                    run.Images[task.Index] = image.Path;
                    run.Timings[task.Index].ImagePreparation = image.Elapsed;
                }

                return [];
            }
            catch (Exception exception) when (exception is ImagePreparationException or PlaceUnavailableException or ApptainerNotFoundException)
            {
                return group.Select(task => new PreparationFailure(task, exception.Message)).ToArray();
            }
        })).ConfigureAwait(false);
        return results.SelectMany(r => r).ToList();
    }

    /// <summary>In the background and bounded, so that a thousand tasks do not copy a thousand overlays at once.</summary>
    private async Task<TimeSpan> CreateOverlayAsync(RunState run, IPlace place, PlannedTask task, SemaphoreSlim limit, CancellationToken cancellationToken)
    {
        await Task.Yield();
        await limit.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await overlays.CreateAsync(place, run.Apptainers[task.Index]!, task.Definition.OverlaySizeMb,
                run.Workspaces[task.Index].OverlayPath, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            limit.Release();
        }
    }
}
