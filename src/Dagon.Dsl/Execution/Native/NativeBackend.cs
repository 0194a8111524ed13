using System.Diagnostics;
using Dagon.Execution.Processes;
using Dagon.Model;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging;

namespace Dagon.Execution.Native;

/// <summary>
/// Runs batch tasks: the command in a shell on this machine, in the task's work directory. References point straight
/// at the producer's files (zero copy), as for containers, and failures, logs and cleanup work the same way.
/// </summary>
public sealed class NativeBackend(ILogger<NativeBackend> logger) : ITaskBackend
{
    public string Name => "native";

    public bool CanRun(PlannedTask task) => task.Definition.Kind == TaskKind.Batch && task.Definition.Host is null;

    public TaskWorkspace PlanWorkspace(PlannedTask task, RunContext run) => LocalWorkspaces.Plan(task, run);

    public Task<IReadOnlyList<PreparationFailure>> PrepareAsync(IReadOnlyList<PlannedTask> tasks, RunContext run, CancellationToken cancellationToken)
    {
        var failures = new List<PreparationFailure>();
        foreach (var task in tasks)
        {
            var shell = task.Definition.Shell ?? DefaultShell;
            if (!File.Exists(shell)) failures.Add(new PreparationFailure(task, $"shell '{shell}' does not exist on this machine"));
        }

        return Task.FromResult<IReadOnlyList<PreparationFailure>>(failures);
    }

    public async Task<TaskOutcome> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var task = execution.Task;
        var workspace = execution.Workspace;
        var taskLogger = execution.Run.TaskLogger(task);
        var command = InputStager.RewriteCommand(task.Definition.Command, execution.Inputs, input => ShellWord(input.HostDirectory));
        logger.LogInformation("Executing on host: {Command}", task.Definition.Command);
        Directory.CreateDirectory(workspace.WorkDir); // here rather than upfront: a thousand tasks start sooner

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (task.Definition.Timeout is { } limit) timeout.CancelAfter(limit);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var result = await ProcessRunner.RunAsync(
                task.Definition.Shell ?? DefaultShell,
                ["-c", command],
                workspace.WorkDir,
                task.Definition.Environment.ToDictionary(e => e.Key, e => (string?)e.Value),
                onStdout: line => taskLogger.LogInformation("[{Task}] {Line}", task.DisplayName, line),
                onStderr: line => taskLogger.LogWarning("[{Task}] {Line}", task.DisplayName, line),
                stdoutFile: workspace.StdoutPath,
                stderrFile: workspace.StderrPath,
                cancellationToken: timeout.Token).ConfigureAwait(false);
            execution.Timings.Execution = stopwatch.Elapsed;
            return result.ExitCode == 0
                ? TaskOutcome.Success
                : TaskOutcome.Failed($"command exited with code {result.ExitCode}", result.ExitCode, result.StderrTail);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && task.Definition.Timeout is { } limit2)
        {
            return TaskOutcome.Failed($"timed out after {limit2.TotalSeconds:0.###} s; the process was killed");
        }
        catch (OperationCanceledException)
        {
            return TaskOutcome.Cancelled("the run was cancelled; the process was killed");
        }
        catch (ProcessLaunchException exception)
        {
            return TaskOutcome.Failed(exception.Message);
        }
    }

    public Task CleanupAsync(PlannedTask task, RunContext run, CancellationToken cancellationToken)
    {
        LocalWorkspaces.Cleanup(task, run, logger);
        return Task.CompletedTask;
    }

    /// <summary>POSIX sh, as DagOnStar's batch tasks use (Python's shell=True); <c>Shell("/bin/bash")</c> for bash.</summary>
    private const string DefaultShell = "/bin/sh";

    /// <summary>
    /// A producer's directory as a shell word. Work directories are usually plain paths and go in as they are;
    /// a temp folder with spaces or quotes is single-quoted so the rewritten command still splits correctly.
    /// </summary>
    internal static string ShellWord(string path) =>
        path.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=,@%:~".Contains(c))
            ? path
            : "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
