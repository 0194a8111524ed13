using Dagon.Execution;
using Dagon.Model;
using Dagon.Places;
using Dagon.Scheduling;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Dagon.Journal;

/// <summary>
/// Runs a task again when it fails, up to its <c>Retries</c> (or the run's <c>retries</c>), only for the failures its
/// <see cref="RetryChoice"/> covers, after a delay that doubles each time (Polly). Every attempt starts in a clean work
/// folder; the logs of each attempt but the last are kept as <c>TASK.attemptN.out/err</c>.
/// </summary>
public sealed class TaskRetries(RunState run, TaskLogs logs, ILogger logger)
{
    private readonly RetryChoice _runChoice = RunChoice(run.Options);

    /// <remarks>A <see cref="ValueTask{TResult}"/>: a task that ends at once (reused, in-process) allocates no task object.</remarks>
    public async ValueTask<TaskOutcome> RunAsync(PlannedTask task, Func<CancellationToken, ValueTask<TaskOutcome>> attempt, CancellationToken cancellationToken)
    {
        var timings = run.Timings[task.Index];
        var retries = task.Definition.Retries ?? run.Options.Retries;
        timings.Attempts = 1;
        if (retries <= 0) return await attempt(cancellationToken).ConfigureAwait(false);
        var choice = RetryChoice.For(task.Definition, _runChoice);

        var pipeline = new ResiliencePipelineBuilder<TaskOutcome>().AddRetry(new RetryStrategyOptions<TaskOutcome>
        {
            MaxRetryAttempts = retries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = false,
            Delay = TimeSpan.FromSeconds(Math.Max(0, run.Options.RetryDelaySeconds)),
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { } outcome && choice.Covers(outcome)),
            OnRetry = async args =>
            {
                var failed = args.AttemptNumber + 1;
                var kind = args.Outcome.Result?.Failure ?? FailureKind.Other;
                logger.LogWarning("[{Task}] Attempt {Attempt} failed ({Kind}: {Reason}); retrying in {Delay:0.##} s",
                    task.DisplayName, failed, kind.Name(), args.Outcome.Result?.Reason, args.RetryDelay.TotalSeconds);
                timings.LastFailure = kind;
                await CleanAsync(task, failed, args.Context.CancellationToken).ConfigureAwait(false);
                timings.Attempts = failed + 1;
            },
        }).Build();
        var outcome = await pipeline.ExecuteAsync(token => attempt(token), cancellationToken).ConfigureAwait(false);
        if (outcome.State == TaskState.Failed && !choice.Covers(outcome))
        {
            logger.LogWarning("[{Task}] Not retried: it failed with {Kind}, and it is retried only for {Choice}",
                task.DisplayName, (outcome.Failure ?? FailureKind.Other).Name(), choice);
        }

        return outcome;
    }

    /// <summary>The run's <c>retry_on</c>; a bad value stops the run before anything starts (see the runner).</summary>
    public static RetryChoice RunChoice(DagonOptions options)
    {
        var (kinds, codes) = options.RetryChoice();
        return kinds == RetryOn.Unset && codes.Count == 0 ? RetryChoice.Any : new RetryChoice(kinds, codes);
    }

    /// <summary>Keeps the failed attempt's logs, then empties the work folder for the next attempt.</summary>
    private async Task CleanAsync(PlannedTask task, int failedAttempt, CancellationToken cancellationToken)
    {
        var place = run.Places[task.Index];
        var workspace = run.Workspaces[task.Index];
        await logs.KeepAsync(place, task.DisplayName, workspace, failedAttempt, cancellationToken).ConfigureAwait(false);
        try
        {
            await place.RemoveTreeAsync(workspace.WorkDir, cancellationToken).ConfigureAwait(false);
            await place.CreateDirectoriesAsync([workspace.WorkDir], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or PlaceUnavailableException)
        {
            logger.LogWarning("[{Task}] Could not clean the work folder {Folder} for the next attempt: {Reason}", task.DisplayName, workspace.WorkDir, exception.Message);
        }
    }
}
