using Dagon.LocalFiles;
using Dagon.Places;
using Dagon.Staging;
using Microsoft.Extensions.Logging;

namespace Dagon.Journal;

/// <summary>
/// Keeps a task's stdout and stderr in the run folder when the task ends, before its work folder may be removed:
/// <c>logs/TASK.out</c> and <c>logs/TASK.err</c>. On this machine the final logs are hard links when the work folder
/// and the state folder share a file system (nothing is copied, and removing the work folder leaves the kept name);
/// remote logs come through the place, and an earlier attempt's logs are copied, because the next attempt
/// writes its own under the same names.
/// </summary>
public sealed class TaskLogs(StateFolder state, ILogger logger)
{
    public async ValueTask<string> KeepAsync(IPlace place, string task, TaskWorkspace workspace, int attempt, CancellationToken cancellationToken)
    {
        var stdout = state.LogPath(task, "out", attempt);
        var stderr = state.LogPath(task, "err", attempt);
        var link = place.Host is null && attempt == 0;
        // Every launcher opens both logs before the command starts (the process runner, the remote task script,
        // Slurm's --output and --error): a task without stdout.log never started, and its stderr.log is not looked for.
        if (await KeepAsync(place, workspace.StdoutPath, stdout, link, cancellationToken).ConfigureAwait(false))
        {
            await KeepAsync(place, workspace.StderrPath, stderr, link, cancellationToken).ConfigureAwait(false);
        }

        return stderr;
    }

    /// <summary>False when there is no log to keep; a log that could not be kept is reported, and counts as there.</summary>
    private async Task<bool> KeepAsync(IPlace place, string from, string to, bool link, CancellationToken cancellationToken)
    {
        try
        {
            if (link)
            {
                var linked = HardLink.TryCreate(from, to);
                if (linked != HardLink.Result.NotPossible) return linked == HardLink.Result.Linked;
            }

            // A task that never started has no logs; none are made up for it.
            if ((await place.FindMissingAsync([from], cancellationToken).ConfigureAwait(false)).Count > 0) return false;

            await place.DownloadAsync(from, to, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or PlaceUnavailableException)
        {
            logger.LogWarning("Could not keep the log {Log} in {Target}: {Reason}", from, to, exception.Message);
        }

        return true;
    }
}
