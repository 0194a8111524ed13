using System.Collections.Concurrent;
using System.Globalization;
using Dagon.Model;
using Dagon.Places;
using Dagon.Rules;
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
    /// <summary>Slurm keeps a time limit in minutes (32 bits); a grown limit stops there.</summary>
    private const long MaxTimeSeconds = int.MaxValue * 60L;

    private readonly ConcurrentDictionary<IPlace, SlurmPlaceJobs> _places = new();

    /// <summary>Slurm tasks of the run submitted and not yet finished, at most (from <c>[slurm] max_jobs_in_flight</c>).</summary>
    public int MaxJobsInFlight => settings.For(null).EffectiveMaxJobsInFlight;

    public async Task<TaskOutcome> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken)
    {
        var task = request.Task ?? throw new ArgumentException("a Slurm job needs the task it runs", nameof(request));
        if (cancellationToken.IsCancellationRequested) return TaskOutcome.Cancelled("not submitted: the run was cancelled");
        var jobs = JobsOn(request.Place);
        var job = JobFor(task, request, jobs);
        await jobs.Keeper.StartAsync(request.Workspace.RunDirectory).ConfigureAwait(false);
        jobs.Submitter.Enqueue(job);
        await using (cancellationToken.Register(() => _ = jobs.CancelAsync(job)).ConfigureAwait(false))
        {
            await job.Submitted.Task.ConfigureAwait(false);
            if (job.Id is not null) jobs.Watcher.Watch(job);
            return await job.Completion.Task.ConfigureAwait(false);
        }
    }

    /// <summary>The job of this attempt: memory and time limit grown per attempt as the place's settings say, and logged when grown.</summary>
    private SlurmJob JobFor(PlannedTask task, LaunchRequest request, SlurmPlaceJobs jobs)
    {
        var asked = task.Definition.Slurm;
        var options = jobs.Commands.Options;
        var resources = ForAttempt(asked, request.Attempt, options.GrowMemoryPerAttempt);
        if (resources.MemoryMb != asked.MemoryMb)
        {
            logger.LogInformation("[{Task}] Attempt {Attempt} asks Slurm for --mem={Memory}M ({Attempt} x {First}M; [slurm] grow_memory_per_attempt)",
                task.DisplayName, request.Attempt, resources.MemoryMb, request.Attempt, asked.MemoryMb);
        }

        var partition = jobs.Partitions is { } partitions ? SlurmPreflight.PartitionOf(asked, options, partitions) : null;
        var time = TimeOf(task.Definition);
        if (TimeForAttempt(time, request.Attempt, options.GrowTimePerAttempt, partition) is { } grown)
        {
            time = grown.Time;
            logger.LogInformation("[{Task}] Attempt {Attempt} asks Slurm for --time={Time} ({Attempt} x {First}{Cap}; [slurm] grow_time_per_attempt)",
                task.DisplayName, request.Attempt, grown.Time, request.Attempt, grown.First,
                grown.CappedBy is { } cap ? $", cut to the limit of partition '{cap.Name}' ({cap.TimeLimitMinutes} min)" : "");
        }

        return new SlurmJob(task.DisplayName, request.Argv, request.Workspace, resources, time);
    }

    /// <summary>Checks, before the first submission, that each task's partition exists on its place and its request fits.</summary>
    public async Task<IReadOnlyList<(PlannedTask Task, string Message)>> PreflightAsync(IPlace place, IReadOnlyList<PlannedTask> tasks,
        CancellationToken cancellationToken)
    {
        var jobs = JobsOn(place);
        var result = await SlurmPreflight.CheckAsync(jobs.Commands, tasks, t => TimeOf(t.Definition), cancellationToken).ConfigureAwait(false);
        // Kept for the retries: a grown time limit is cut to its partition's.
        jobs.Partitions = result.Partitions;
        return result.Failures;
    }

    /// <summary>
    /// What attempt <paramref name="attempt"/> (from 1) asks for: with <paramref name="growMemory"/>, <paramref name="attempt"/>
    /// times the task's memory, so a job killed for its memory gets more the next time; everything else as the task asks.
    /// </summary>
    public static SlurmRequest ForAttempt(SlurmRequest request, int attempt, bool growMemory) =>
        growMemory && attempt > 1 && request.MemoryMb is { } memory
            ? request with { MemoryMb = (int)Math.Min(int.MaxValue, (long)memory * attempt) }
            : request;

    /// <summary>A time limit grown for a later attempt: as sbatch gets it, the task's own, and the partition that cut it, if one did.</summary>
    internal sealed record GrownTime(string Time, string First, SlurmPreflight.Partition? CappedBy);

    /// <summary>
    /// What attempt <paramref name="attempt"/> (from 1) asks for as its time limit: with <paramref name="growTime"/>,
    /// <paramref name="attempt"/> times <paramref name="time"/>, so a job Slurm ended for its time limit runs longer the
    /// next time, but never past <paramref name="partition"/>'s limit: sbatch takes such a job, and Slurm then keeps it
    /// pending for good (PartitionTimeLimit). Null when the attempt asks for the task's own time (or none).
    /// </summary>
    internal static GrownTime? TimeForAttempt(string? time, int attempt, bool growTime, SlurmPreflight.Partition? partition)
    {
        if (!growTime || attempt <= 1 || time is null || !SlurmRules.TryParseTimeSeconds(time, out var seconds) || seconds == 0) return null;
        var grown = seconds > MaxTimeSeconds / attempt ? MaxTimeSeconds : seconds * attempt;
        var cappedBy = partition?.TimeLimitMinutes is { } limit && grown > limit * 60 ? partition : null;
        if (cappedBy is not null) grown = Math.Max(seconds, cappedBy.TimeLimitMinutes!.Value * 60);
        return grown == seconds ? null : new GrownTime(FormatTime(grown), FormatTime(seconds), cappedBy);
    }

    /// <summary><c>HH:MM:SS</c>, or <c>D-HH:MM:SS</c> from a day on: forms sbatch reads the same on every version.</summary>
    internal static string FormatTime(long seconds)
    {
        var (days, rest) = Math.DivRem(seconds, 86400);
        var clock = string.Create(CultureInfo.InvariantCulture, $"{rest / 3600:00}:{rest / 60 % 60:00}:{rest % 60:00}");
        return days > 0 ? string.Create(CultureInfo.InvariantCulture, $"{days}-{clock}") : clock;
    }

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
