using Dagon.Places;
using Dagon.Staging;
using Microsoft.Extensions.Logging;

namespace Dagon.Journal;

/// <summary>
/// Copies a task's stdout and stderr from its work folder into the run folder when the task ends, before its work
/// folder may be removed: <c>logs/TASK.out</c> and <c>logs/TASK.err</c>. Remote logs come through the place.
/// </summary>
public sealed class TaskLogs(StateFolder state, ILogger logger)
{
    public async Task<string> KeepAsync(IPlace place, string task, TaskWorkspace workspace, int attempt, CancellationToken cancellationToken)
    {
        var stdout = state.LogPath(task, "out", attempt);
        var stderr = state.LogPath(task, "err", attempt);
        await CopyAsync(place, workspace.StdoutPath, stdout, cancellationToken).ConfigureAwait(false);
        await CopyAsync(place, workspace.StderrPath, stderr, cancellationToken).ConfigureAwait(false);
        return stderr;
    }

    private async Task CopyAsync(IPlace place, string from, string to, CancellationToken cancellationToken)
    {
        try
        {
            // A task that never started has no logs; none are made up for it.
            if ((await place.FindMissingAsync([from], cancellationToken).ConfigureAwait(false)).Count > 0) return;

            await place.DownloadAsync(from, to, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or PlaceUnavailableException)
        {
            logger.LogWarning("Could not keep the log {Log} in {Target}: {Reason}", from, to, exception.Message);
        }
    }
}
