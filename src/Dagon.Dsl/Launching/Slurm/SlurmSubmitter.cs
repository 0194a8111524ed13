using System.Diagnostics;
using System.Text;
using Dagon.Scheduling;
using Microsoft.Extensions.Logging;

namespace Dagon.Launching.Slurm;

/// <summary>
/// Submits a place's jobs. Tasks that become ready together are collected for a short window (<c>array_window_ms</c>);
/// those with equal requests go to Slurm as one job array, so a fan-out of 200 tasks costs one sbatch call instead of
/// 200 (controllers throttle, and each call is a round trip on an SSH login node). Calls are spaced by <c>submit_rate</c>.
/// </summary>
internal sealed class SlurmSubmitter(SlurmCommands commands, string runId, ILogger logger)
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _sbatch = new(1, 1);
    private List<SlurmJob> _pending = [];
    private bool _flushScheduled;
    private long _lastSubmit;
    private int _arrays;

    /// <summary>Queues the job; <see cref="SlurmJob.Submitted"/> completes once it has an id (or its task has failed).</summary>
    public void Enqueue(SlurmJob job)
    {
        lock (_gate)
        {
            _pending.Add(job);
            if (_flushScheduled) return;
            _flushScheduled = true;
        }

        _ = FlushAfterWindowAsync();
    }

    /// <summary>Takes a job back that was not submitted yet (its task was cancelled in the window).</summary>
    public bool TryWithdraw(SlurmJob job)
    {
        lock (_gate) return _pending.Remove(job);
    }

    private async Task FlushAfterWindowAsync()
    {
        await Task.Delay(commands.Options.ArrayWindow).ConfigureAwait(false);
        List<SlurmJob> batch;
        lock (_gate)
        {
            batch = _pending;
            _pending = [];
            _flushScheduled = false;
        }

        // Equal requests (with the same time limit) on one place may share an array; the order of the tasks is kept.
        foreach (var group in batch.GroupBy(j => j.Request.Key + "\u001d" + j.Time, StringComparer.Ordinal))
        {
            var jobs = group.ToList();
            try
            {
                if (jobs.Count == 1) await SubmitSingleAsync(jobs[0]).ConfigureAwait(false);
                else await SubmitArrayAsync(jobs).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is SlurmSubmitException or Places.PlaceUnavailableException or IOException)
            {
                var kind = exception is Places.PlaceUnavailableException ? FailureKind.LostConnection : FailureKind.Other;
                foreach (var job in jobs) job.Completion.TrySetResult(TaskOutcome.Failed(exception.Message, kind: kind));
            }
            finally
            {
                foreach (var job in jobs) job.Submitted.TrySetResult();
            }
        }
    }

    private async Task SubmitSingleAsync(SlurmJob job)
    {
        var path = job.Workspace.Root.TrimEnd('/') + "/" + SlurmJobScript.FileName;
        await WriteAsync(path, SlurmJobScript.Single(JobName(job.Name), job, commands.Options)).ConfigureAwait(false);
        job.Id = await SbatchAsync(path).ConfigureAwait(false);
        logger.LogInformation("[{Task}] Submitted Slurm job {JobId} on {Place}", job.Name, job.Id, commands.Place.Description);
    }

    private async Task SubmitArrayAsync(List<SlurmJob> jobs)
    {
        var number = Interlocked.Increment(ref _arrays);
        var prefix = $"{jobs[0].Workspace.RunDirectory}/slurm-array-{number}";
        var path = prefix + ".sh";
        await WriteAsync(path, SlurmJobScript.Array(JobName($"array{number}"), jobs, prefix, commands.Options)).ConfigureAwait(false);
        var id = await SbatchAsync(path).ConfigureAwait(false);
        for (var i = 0; i < jobs.Count; i++)
        {
            jobs[i].Id = $"{id}_{i}";
            jobs[i].SlurmStderr = $"{prefix}_{i}.err";
        }

        logger.LogInformation("Submitted Slurm job array {JobId} of {Count} tasks on {Place} ({First} ... {Last})",
            id, jobs.Count, commands.Place.Description, jobs[0].Name, jobs[^1].Name);
    }

    private async Task<string> SbatchAsync(string path)
    {
        await _sbatch.WaitAsync().ConfigureAwait(false);
        try
        {
            var wait = commands.Options.SubmitGap - Stopwatch.GetElapsedTime(_lastSubmit);
            if (_lastSubmit != 0 && wait > TimeSpan.Zero) await Task.Delay(wait).ConfigureAwait(false);
            // Not cancellable: once sbatch runs, the id must be known, so that a cancelled run can scancel the job.
            var id = await commands.SubmitAsync(path, CancellationToken.None).ConfigureAwait(false);
            _lastSubmit = Stopwatch.GetTimestamp();
            return id;
        }
        finally
        {
            _sbatch.Release();
        }
    }

    /// <summary>The script is written here and copied to the place: one way for this machine and SSH hosts alike.</summary>
    private async Task WriteAsync(string path, string text)
    {
        var local = Path.Combine(Path.GetTempPath(), $"dagon-{runId}-{Guid.NewGuid():N}.sh");
        try
        {
            await File.WriteAllTextAsync(local, text, new UTF8Encoding(false)).ConfigureAwait(false);
            await commands.Place.UploadAsync(local, path, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(local);
        }
    }

    /// <summary><c>dagon-RUN-TASK</c>: squeue shows which run and task a job belongs to.</summary>
    private string JobName(string task) => JobNamePrefix(runId) + Staging.PathSegment.Slug(task);

    /// <summary>What every job name of the run starts with (the job keeper finds the run's jobs by it).</summary>
    public static string JobNamePrefix(string runId) => $"dagon-{runId}-";
}
