using System.Diagnostics;
using Dagon.Places;
using Dagon.Scheduling;
using Microsoft.Extensions.Logging;

namespace Dagon.Launching.Slurm;

/// <summary>
/// Cancels a place's jobs when the run is cancelled (Ctrl+C, a timeout): the cancellations of one moment are
/// collected into ONE scancel call, and the tasks end only once squeue no longer lists their jobs, so a cancelled run
/// leaves nothing queued or running behind.
/// </summary>
internal sealed class SlurmCanceller(SlurmCommands commands, ILogger logger)
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan QueueCheck = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(2);
    private readonly object _gate = new();
    private List<SlurmJob> _pending = [];
    private bool _flushScheduled;

    public void Cancel(SlurmJob job)
    {
        lock (_gate)
        {
            _pending.Add(job);
            if (_flushScheduled) return;
            _flushScheduled = true;
        }

        _ = FlushAfterWindowAsync();
    }

    private async Task FlushAfterWindowAsync()
    {
        await Task.Delay(Window).ConfigureAwait(false);
        List<SlurmJob> jobs;
        lock (_gate)
        {
            jobs = _pending;
            _pending = [];
            _flushScheduled = false;
        }

        var ids = jobs.Select(j => j.Id!).ToList();
        var where = commands.Place.Host is null ? "" : $" on {commands.Place.Description}";
        var message = "the run was cancelled; its Slurm job{0}{1} was cancelled (scancel)";
        try
        {
            var started = Stopwatch.GetTimestamp();
            await commands.CancelAsync(ids, CancellationToken.None).ConfigureAwait(false);
            var submissions = jobs.Select(j => j.SubmissionId!).Distinct(StringComparer.Ordinal).ToList();
            while (await commands.CountQueuedAsync(submissions, CancellationToken.None).ConfigureAwait(false) > 0)
            {
                if (Stopwatch.GetElapsedTime(started) > GiveUpAfter)
                {
                    message = "the run was cancelled; scancel was sent to Slurm job{0}{1}, but squeue still lists it";
                    break;
                }

                await Task.Delay(QueueCheck).ConfigureAwait(false);
            }

            logger.LogInformation("Cancelled {Count} Slurm job(s){Where} with one scancel; the queue was clear after {Seconds:F2} s",
                ids.Count, where, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception exception) when (exception is PlaceUnavailableException or SlurmSubmitException)
        {
            message = $"the run was cancelled, but scancel failed for Slurm job{{0}}{{1}} ({exception.Message}); cancel it by hand";
        }

        foreach (var job in jobs) job.Completion.TrySetResult(TaskOutcome.Cancelled(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, " " + job.Id, where)));
    }
}
