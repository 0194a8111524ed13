using System.Diagnostics;
using Dagon.Scheduling;
using Microsoft.Extensions.Logging;

namespace Dagon.Execution.Processes;

/// <summary>
/// Runs the one process that is a task on this machine, whatever wraps the command (a container, a shell): its
/// output is logged as <c>[Task] line</c> and kept in the workspace's log files, its timeout is enforced, and how it
/// ended becomes the task's outcome. What killed it (timeout or cancellation) is told apart here, once.
/// </summary>
internal static class TaskProcess
{
    public static async Task<TaskOutcome> RunAsync(
        TaskExecution execution,
        string executable,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string?>? environment,
        string killed,
        CancellationToken cancellationToken)
    {
        var task = execution.Task;
        var workspace = execution.Workspace;
        var taskLogger = execution.Run.TaskLogger(task);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (task.Definition.Timeout is { } limit) timeout.CancelAfter(limit);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await ProcessRunner.RunAsync(
                executable,
                arguments,
                workspace.WorkDir,
                environment,
                onStdout: line => taskLogger.LogInformation("[{Task}] {Line}", task.DisplayName, line),
                onStderr: line => taskLogger.LogWarning("[{Task}] {Line}", task.DisplayName, line),
                stdoutFile: workspace.StdoutPath,
                stderrFile: workspace.StderrPath,
                cancellationToken: timeout.Token).ConfigureAwait(false);
            return result.ExitCode == 0
                ? TaskOutcome.Success
                : TaskOutcome.Failed($"command exited with code {result.ExitCode}", result.ExitCode, result.StderrTail);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && task.Definition.Timeout is { } limit2)
        {
            return TaskOutcome.Failed($"timed out after {limit2.TotalSeconds:0.###} s; {killed}");
        }
        catch (OperationCanceledException)
        {
            return TaskOutcome.Cancelled($"the run was cancelled; {killed}");
        }
        catch (ProcessLaunchException exception)
        {
            return TaskOutcome.Failed(exception.Message);
        }
        finally
        {
            execution.Timings.Execution = Stopwatch.GetElapsedTime(started);
        }
    }
}
