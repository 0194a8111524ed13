using Dagon.Launching.Slurm;
using Dagon.Model;
using Dagon.Scheduling;
using Microsoft.Extensions.Logging;

namespace Dagon.Execution;

/// <summary>
/// Decides how each task is started (the first that is set of: the task's <c>Scheduler</c>, its workflow's, its host
/// profile's <c>scheduler</c>, the run's <c>[dagon] scheduler</c>; else directly), and for Slurm tasks makes the run's
/// Slurm launcher and asks each place's Slurm, once, whether their partitions exist and their requests fit.
/// </summary>
internal sealed class SchedulerPreparation(SlurmSettings settings, ILogger logger)
{
    public async Task<Preparation> PrepareAsync(Preparation preparation, CancellationToken cancellationToken)
    {
        var run = preparation.Run;
        var failures = new List<PreparationFailure>();
        foreach (var task in run.Plan.Tasks)
        {
            try
            {
                run.Schedulers[task.Index] = Resolve(task, settings, run.Options);
            }
            catch (InvalidOperationException exception)
            {
                failures.Add(new PreparationFailure(task, exception.Message));
            }
        }

        var jobs = run.Plan.Tasks.Where(t => run.Schedulers[t.Index] == Scheduler.Slurm).ToList();
        if (failures.Count > 0 || jobs.Count == 0) return preparation with { Failures = failures };

        run.Slurm = new SlurmRun(run.RunId, settings, logger);
        var checks = await Task.WhenAll(jobs.GroupBy(t => run.Places[t.Index])
            .Select(group => PreflightAsync(run.Slurm, group.Key, group.ToList(), cancellationToken))).ConfigureAwait(false);
        failures.AddRange(checks.SelectMany(c => c));
        if (failures.Count == 0)
        {
            logger.LogInformation("{Count} of {Total} tasks run as Slurm jobs, at most {Limit} at once", jobs.Count, run.Plan.Tasks.Count,
                run.Slurm.MaxJobsInFlight);
        }

        return preparation with { Failures = failures };
    }

    /// <summary>Task over workflow over host profile over run; <see cref="Scheduler.Direct"/> when none says.</summary>
    /// <exception cref="InvalidOperationException">The host profile's <c>scheduler</c> is not a scheduler.</exception>
    public static Scheduler Resolve(PlannedTask task, SlurmSettings settings, DagonOptions options) =>
        task.Definition.Scheduler ?? task.Workflow.Scheduler ?? settings.HostScheduler(task.Definition.Host) ?? options.Scheduler ?? Scheduler.Direct;

    private static async Task<IEnumerable<PreparationFailure>> PreflightAsync(SlurmRun slurm, Places.IPlace place, List<PlannedTask> tasks,
        CancellationToken cancellationToken)
    {
        try
        {
            var failures = await slurm.PreflightAsync(place, tasks, cancellationToken).ConfigureAwait(false);
            return failures.Select(f => new PreparationFailure(f.Task, f.Message));
        }
        catch (Exception exception) when (exception is Places.PlaceUnavailableException or InvalidOperationException)
        {
            return tasks.Select(t => new PreparationFailure(t, $"Slurm on {place.Description}: {exception.Message}"));
        }
    }
}
