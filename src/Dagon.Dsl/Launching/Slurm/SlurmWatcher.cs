using System.Diagnostics;
using Dagon.Places;
using Dagon.Scheduling;
using Microsoft.Extensions.Logging;

namespace Dagon.Launching.Slurm;

/// <summary>
/// Watches every job of one run on one place with ONE squeue call per interval, however many jobs there are; the
/// interval doubles while nothing changes (up to <c>max_poll_interval_seconds</c>) and falls back when a job changes
/// or a new one is submitted. Only a job that failed or left the queue costs a second call, for its exit code.
/// </summary>
internal sealed class SlurmWatcher(SlurmCommands commands, ILogger logger) : IDisposable
{
    private const int MissesBeforeUnknown = 2;
    private const int FailuresBeforeGivingUp = 5;
    private readonly object _gate = new();
    private readonly Dictionary<string, SlurmJob> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lastState = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _misses = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _added = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _failures;

    private string Where => commands.Place.Host is null ? "" : $" on {commands.Place.Description}";

    public void Watch(SlurmJob job)
    {
        lock (_gate)
        {
            if (job.CancelledByRun || job.Completion.Task.IsCompleted) return;
            _active[job.Id!] = job;
            _loop ??= Task.Run(LoopAsync);
        }

        _added.Release();
    }

    /// <summary>Stops watching a job the run cancels; its CANCELLED state is then the run's doing, not a failure.</summary>
    public void Forget(SlurmJob job)
    {
        lock (_gate)
        {
            job.CancelledByRun = true;
            if (job.Id is not null) _active.Remove(job.Id);
        }
    }

    private async Task LoopAsync()
    {
        var interval = commands.Options.PollInterval;
        var lastPoll = Stopwatch.GetTimestamp();
        while (!_stop.IsCancellationRequested)
        {
            if (!await WaitAsync(interval, lastPoll).ConfigureAwait(false)) return;
            List<SlurmJob> jobs;
            lock (_gate)
            {
                if (_active.Count == 0)
                {
                    _loop = null;
                    return;
                }

                jobs = _active.Values.ToList();
            }

            lastPoll = Stopwatch.GetTimestamp();
            var changed = await PollSafelyAsync(jobs).ConfigureAwait(false);
            var doubled = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, commands.Options.MaxPollInterval.Ticks));
            interval = changed ? commands.Options.PollInterval : doubled;
        }
    }

    /// <summary>Waits for the interval; a job submitted meanwhile brings the next poll forward to one base interval after the last.</summary>
    private async Task<bool> WaitAsync(TimeSpan interval, long lastPoll)
    {
        var due = interval;
        while (true)
        {
            var remaining = due - Stopwatch.GetElapsedTime(lastPoll);
            if (remaining <= TimeSpan.Zero) return true;
            try
            {
                if (await _added.WaitAsync(remaining, _stop.Token).ConfigureAwait(false)) due = TimeSpan.FromTicks(Math.Min(due.Ticks, commands.Options.PollInterval.Ticks));
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    private async Task<bool> PollSafelyAsync(List<SlurmJob> jobs)
    {
        try
        {
            var changed = await PollAsync(jobs).ConfigureAwait(false);
            _failures = 0;
            return changed;
        }
        catch (Exception exception) when (exception is PlaceUnavailableException or SlurmSubmitException)
        {
            logger.LogWarning("Cannot ask Slurm{Where} for job states ({Reason}); trying again", Where, exception.Message);
            if (++_failures < FailuresBeforeGivingUp) return false;
            var kind = exception is PlaceUnavailableException ? FailureKind.LostConnection : FailureKind.Other;
            foreach (var job in jobs) Finish(job, TaskOutcome.Failed($"Slurm job {job.Id}{Where} could not be watched: {exception.Message}", kind: kind));
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<bool> PollAsync(List<SlurmJob> jobs)
    {
        var submissions = jobs.Select(j => j.SubmissionId!).Distinct(StringComparer.Ordinal).ToList();
        var states = await commands.QueueAsync(submissions, _stop.Token).ConfigureAwait(false);
        var changed = false;
        var finished = new List<(SlurmJob Job, SlurmJobState State)>();
        var unresolved = new List<SlurmJob>();
        foreach (var job in jobs)
        {
            if (!states.TryGetValue(job.Id!, out var state))
            {
                unresolved.Add(job);
                continue;
            }

            changed |= Track(job, state);
            if (state.NeedsExitCode) unresolved.Add(job);
            else if (state.IsFinished) finished.Add((job, state));
        }

        if (unresolved.Count > 0)
        {
            var details = await commands.DetailsAsync(unresolved.Select(j => j.SubmissionId!).Distinct(StringComparer.Ordinal).ToList(), _stop.Token)
                .ConfigureAwait(false);
            foreach (var job in unresolved)
            {
                if (details.TryGetValue(job.Id!, out var detail) && detail.IsFinished) finished.Add((job, detail));
                else if (states.TryGetValue(job.Id!, out var queued)) finished.Add((job, queued)); // FAILED, exit code unknown
                else if ((_misses[job.Id!] = _misses.GetValueOrDefault(job.Id!) + 1) >= MissesBeforeUnknown) finished.Add((job, new SlurmJobState(job.Id!, "UNKNOWN",
                    "it left squeue, and neither sacct nor scontrol know it")));
            }
        }

        foreach (var (job, state) in finished) _ = CompleteAsync(job, state);
        return changed || finished.Count > 0;
    }

    private bool Track(SlurmJob job, SlurmJobState state)
    {
        if (_lastState.TryGetValue(job.Id!, out var last) && last == state.BareState) return false;
        _lastState[job.Id!] = state.BareState;
        if (state.BareState == "RUNNING") logger.LogInformation("[{Task}] Slurm job {JobId} is running{Where}", job.Name, job.Id, Where);
        else if (state.BareState == "PENDING") logger.LogInformation("[{Task}] Slurm job {JobId} is pending ({Reason})", job.Name, job.Id, state.Reason ?? "queued");
        return true;
    }

    /// <summary>A job that did not succeed gets the end of its stderr (and of Slurm's own messages for an array element).</summary>
    private async Task CompleteAsync(SlurmJob job, SlurmJobState state)
    {
        lock (_gate)
        {
            if (job.CancelledByRun) return;
            _active.Remove(job.Id!);
        }

        IReadOnlyList<string> tail = [];
        if (state.BareState != "COMPLETED")
        {
            try
            {
                tail = await commands.TailAsync(job.Workspace.StderrPath, CancellationToken.None).ConfigureAwait(false);
                if (job.SlurmStderr is { } slurmLog) tail = [.. tail, .. await commands.TailAsync(slurmLog, CancellationToken.None).ConfigureAwait(false)];
            }
            catch (Exception exception) when (exception is PlaceUnavailableException or SlurmSubmitException)
            {
                tail = [$"(stderr could not be read: {exception.Message})"];
            }
        }

        Finish(job, state.ToOutcome(Where, job, tail));
    }

    private void Finish(SlurmJob job, TaskOutcome outcome)
    {
        lock (_gate) _active.Remove(job.Id!);
        job.Completion.TrySetResult(outcome);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
