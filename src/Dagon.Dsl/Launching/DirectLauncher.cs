using Dagon.Places;
using Dagon.Processes;
using Dagon.Scheduling;

namespace Dagon.Launching;

/// <summary>
/// Starts the task's program as a process on its place and waits for it: its output is streamed and kept in the
/// workspace's log files, its timeout enforced, and how it ended becomes the task's outcome. What stopped it
/// (timeout or cancellation) is told apart here, once, for every place.
/// </summary>
public sealed class DirectLauncher : ITaskLauncher
{
    public async Task<TaskOutcome> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken)
    {
        var place = request.Place;
        var where = place.Host is null ? "" : $" on {place.Description}";
        var killed = place.Host is null ? $"{request.Killed} was killed" : $"{request.Killed}'s process group{where} was killed";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (request.Timeout is { } timeLimit) timeout.CancelAfter(timeLimit);
        try
        {
            var result = await place.RunAsync(new PlaceCommand(request.Argv)
            {
                WorkingDirectory = request.Workspace.WorkDir,
                StdoutFile = request.Workspace.StdoutPath,
                StderrFile = request.Workspace.StderrPath,
                ControlDirectory = request.Workspace.Root,
                OnStdout = request.OnStdout,
                OnStderr = request.OnStderr,
            }, timeout.Token).ConfigureAwait(false);
            // A log that could not be written (its disk is full) is said apart from why the task itself ended.
            var logNote = result.LogError is { } logError ? $" (its output could not all be saved: {logError})" : "";
            if (result.ExitCode == 0) return logNote.Length == 0 ? TaskOutcome.Success : TaskOutcome.Success with { Reason = "succeeded" + logNote };
            return result.ExitCode is { } code
                ? TaskOutcome.Failed($"command exited with code {code}{where}{logNote}", code, result.StderrTail, KindOf(code, null))
                : TaskOutcome.Failed($"the command{where} was killed by signal {result.Signal ?? "?"}{logNote}", errorTail: result.StderrTail,
                    kind: KindOf(null, result.Signal));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && request.Timeout is { } limit)
        {
            return TaskOutcome.Failed($"timed out after {limit.TotalSeconds:0.###} s; {killed}", kind: FailureKind.Timeout);
        }
        catch (OperationCanceledException)
        {
            return TaskOutcome.Cancelled($"the run was cancelled; {killed}");
        }
        catch (ProcessLaunchException exception)
        {
            return TaskOutcome.Failed(exception.Message);
        }
        catch (PlaceUnavailableException exception)
        {
            return TaskOutcome.Failed($"{exception.Message}. The task did not finish; its processes{where} may still run " +
                                      $"(process group in {request.Workspace.Root}). The place is reached again for the tasks that follow.",
                kind: FailureKind.LostConnection);
        }
    }

    /// <summary>
    /// The engine stops a task only on timeout or cancellation, both told apart above; any other SIGKILL comes from
    /// outside, which on a machine without a scheduler is the kernel's OOM killer. A shell or Apptainer's starter
    /// reports its child's SIGKILL as exit code 137 (128 + 9).
    /// </summary>
    private static FailureKind KindOf(int? code, string? signal) =>
        code == 137 || signal is "KILL" or "SIGKILL" or "9" ? FailureKind.OutOfMemory
        : code is not null ? FailureKind.ExitCode
        : FailureKind.Other;
}
