using System.Collections.Concurrent;
using System.Globalization;
using Dagon.Model;
using Dagon.Places;
using Dagon.Scheduling;
using Microsoft.Extensions.Logging;

namespace Dagon.Launching.Slurm;

/// <summary>
/// The Slurm launcher of one run: it submits each task's argv as a job on the task's place (this machine or an SSH
/// login node), watches the run's jobs there, and cancels them with the run. Made by preparation and disposed with
/// the run, so no job state outlives it; one per run rather than a singleton because its watchers, arrays and
/// cancellations belong to that run's jobs only. Before the first job on a place it starts the run's
/// <see cref="SlurmJobKeeper"/> there, so that even an engine killed outright leaves no job of the run behind.
/// </summary>
public sealed class SlurmRun(string runId, SlurmSettings settings, ILogger logger) : ITaskLauncher, IAsyncDisposable
{
    private readonly ConcurrentDictionary<IPlace, SlurmPlaceJobs> _places = new();

    /// <summary>Slurm tasks of the run submitted and not yet finished, at most (from <c>[slurm] max_jobs_in_flight</c>).</summary>
    public int MaxJobsInFlight => settings.For(null).EffectiveMaxJobsInFlight;

    public async Task<TaskOutcome> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken)
    {
        var task = request.Task ?? throw new ArgumentException("a Slurm job needs the task it runs", nameof(request));
        if (cancellationToken.IsCancellationRequested) return TaskOutcome.Cancelled("not submitted: the run was cancelled");
        var jobs = JobsOn(request.Place);
        var resources = ForAttempt(task.Definition.Slurm, request.Attempt, jobs.Commands.Options.GrowMemoryPerAttempt);
        if (resources.MemoryMb != task.Definition.Slurm.MemoryMb)
        {
            logger.LogInformation("[{Task}] Attempt {Attempt} asks Slurm for --mem={Memory}M ({Attempt} x {First}M; [slurm] grow_memory_per_attempt)",
                task.DisplayName, request.Attempt, resources.MemoryMb, request.Attempt, task.Definition.Slurm.MemoryMb);
        }

        var job = new SlurmJob(task.DisplayName, request.Argv, request.Workspace, resources, TimeOf(task.Definition));
        await jobs.Keeper.StartAsync(request.Workspace.RunDirectory).ConfigureAwait(false);
        jobs.Submitter.Enqueue(job);
        await using (cancellationToken.Register(() => _ = jobs.CancelAsync(job)).ConfigureAwait(false))
        {
            await job.Submitted.Task.ConfigureAwait(false);
            if (job.Id is not null) jobs.Watcher.Watch(job);
            return await job.Completion.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Checks, before the first submission, that each task's partition exists on its place and its request fits.</summary>
    public Task<IReadOnlyList<(PlannedTask Task, string Message)>> PreflightAsync(IPlace place, IReadOnlyList<PlannedTask> tasks,
        CancellationToken cancellationToken) =>
        SlurmPreflight.CheckAsync(JobsOn(place).Commands, tasks, t => TimeOf(t.Definition), cancellationToken);

    /// <summary>
    /// What attempt <paramref name="attempt"/> (from 1) asks for: with <paramref name="growMemory"/>, <paramref name="attempt"/>
    /// times the task's memory, so a job killed for its memory gets more the next time; everything else as the task asks.
    /// </summary>
    public static SlurmRequest ForAttempt(SlurmRequest request, int attempt, bool growMemory) =>
        growMemory && attempt > 1 && request.MemoryMb is { } memory
            ? request with { MemoryMb = (int)Math.Min(int.MaxValue, (long)memory * attempt) }
            : request;

    /// <summary>The task's <c>Time</c>, else its timeout as whole minutes (rounded up), else null (the partition's limit).</summary>
    public static string? TimeOf(TaskDefinition task) =>
        task.Slurm.Time ?? (task.Timeout is { } timeout ? Math.Max(1, (long)Math.Ceiling(timeout.TotalMinutes)).ToString(CultureInfo.InvariantCulture) : null);

    private SlurmPlaceJobs JobsOn(IPlace place) =>
        _places.GetOrAdd(place, p => new SlurmPlaceJobs(p, settings.For(p.Host), runId, logger));

    /// <summary>Says how often the run asked Slurm on each place, then stops the watchers and the job keepers.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (place, jobs) in _places)
        {
            var commands = jobs.Commands;
            if (commands.SbatchCalls > 0)
            {
                logger.LogInformation("Slurm on {Place}: {Sbatch} sbatch calls, {Status} status calls, {Scancel} scancel calls",
                    place.Description, commands.SbatchCalls, commands.StatusCalls, commands.ScancelCalls);
            }
        }

        // Each place's keeper takes a moment to stop; the places wait for theirs side by side.
        await Task.WhenAll(_places.Values.Select(jobs => jobs.DisposeAsync().AsTask())).ConfigureAwait(false);
        _places.Clear();
    }
}
