using Dagon.Places;
using Microsoft.Extensions.Logging;

namespace Dagon.Launching.Slurm;

/// <summary>A run's jobs on one place: how they are submitted, watched and cancelled, through one set of Slurm commands.</summary>
internal sealed class SlurmPlaceJobs : IAsyncDisposable
{
    public SlurmPlaceJobs(IPlace place, SlurmOptions options, string runId, ILogger logger)
    {
        Commands = new SlurmCommands(place, options);
        Submitter = new SlurmSubmitter(Commands, runId, logger);
        Watcher = new SlurmWatcher(Commands, logger);
        Canceller = new SlurmCanceller(Commands, logger);
        Keeper = new SlurmJobKeeper(Commands, SlurmSubmitter.JobNamePrefix(runId), logger);
    }

    public SlurmCommands Commands { get; }

    public SlurmSubmitter Submitter { get; }

    public SlurmWatcher Watcher { get; }

    public SlurmCanceller Canceller { get; }

    /// <summary>The place's partitions as the preflight found them; null until it ran, or when sinfo did not answer.</summary>
    public IReadOnlyDictionary<string, SlurmPreflight.Partition>? Partitions { get; set; }

    /// <summary>Cancels the run's jobs on this place if the engine dies; started with the first submission.</summary>
    public SlurmJobKeeper Keeper { get; }

    /// <summary>
    /// Cancels a job of the run: withdrawn if it was still waiting to be submitted, otherwise scancel-ed once its id
    /// is known (an sbatch call in progress is let finish).
    /// </summary>
    public async Task CancelAsync(SlurmJob job)
    {
        if (Submitter.TryWithdraw(job))
        {
            job.Completion.TrySetResult(Scheduling.TaskOutcome.Cancelled("the run was cancelled before its Slurm job was submitted"));
            job.Submitted.TrySetResult();
            return;
        }

        await job.Submitted.Task.ConfigureAwait(false);
        if (job.Id is null || job.Completion.Task.IsCompleted) return;
        Watcher.Forget(job);
        Canceller.Cancel(job);
    }

    public async ValueTask DisposeAsync()
    {
        Watcher.Dispose();
        await Keeper.StopAsync().ConfigureAwait(false);
    }
}
