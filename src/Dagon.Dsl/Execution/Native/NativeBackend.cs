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

    public Task<TaskOutcome> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var definition = execution.Task.Definition;
        var command = InputStager.RewriteCommand(definition.Command, execution.Inputs, input => ShellQuote.Quote(input.HostDirectory));
        logger.LogInformation("Executing on host: {Command}", definition.Command);
        Directory.CreateDirectory(execution.Workspace.WorkDir); // here rather than upfront: a thousand tasks start sooner
        return TaskProcess.RunAsync(execution, definition.Shell ?? DefaultShell, ["-c", command],
            definition.Environment.ToDictionary(e => e.Key, e => (string?)e.Value), "the process was killed", cancellationToken);
    }

    public Task CleanupAsync(PlannedTask task, RunContext run, CancellationToken cancellationToken)
    {
        LocalWorkspaces.Cleanup(task, run, logger);
        return Task.CompletedTask;
    }

    /// <summary>POSIX sh, as DagOnStar's batch tasks use (Python's shell=True); <c>Shell("/bin/bash")</c> for bash.</summary>
    private const string DefaultShell = "/bin/sh";
}
