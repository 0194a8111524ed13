using System.Collections.Concurrent;
using Dagon.Execution;
using Dagon.Scheduling;
using Dagon.Staging;

namespace Dagon.Dsl.Tests.Hosting;

/// <summary>
/// Runs tasks as C# delegates in real local work directories, so the runner's planning, staging, failure handling
/// and cleanup are tested without containers. (Container execution is tested against real Apptainer elsewhere.)
/// </summary>
internal sealed class FakeBackend(string root) : ITaskBackend
{
    public delegate Task<TaskOutcome> Behaviour(TaskExecution execution, string rewrittenCommand, CancellationToken cancellationToken);

    public ConcurrentDictionary<string, Behaviour> Behaviours { get; } = new();
    public ConcurrentDictionary<string, string> PreparationFailures { get; } = new();
    public ConcurrentQueue<string> Ran { get; } = new();
    public ConcurrentQueue<string> CleanedUp { get; } = new();
    public ConcurrentDictionary<string, string> RewrittenCommands { get; } = new();

    public string Name => "fake";

    public bool CanRun(PlannedTask task) => true;

    public TaskWorkspace PlanWorkspace(PlannedTask task, RunContext run) =>
        new(Path.Combine(root, $"dagon-{run.RunId}", Names.Slug(task.DisplayName)));

    public Task<IReadOnlyList<PreparationFailure>> PrepareAsync(IReadOnlyList<PlannedTask> tasks, RunContext run, CancellationToken cancellationToken)
    {
        var failures = tasks.Where(t => PreparationFailures.ContainsKey(t.Name))
            .Select(t => new PreparationFailure(t, PreparationFailures[t.Name])).ToList();
        if (failures.Count == 0)
        {
            foreach (var task in tasks) Directory.CreateDirectory(run.Workspaces[task.Index].WorkDir);
        }

        return Task.FromResult<IReadOnlyList<PreparationFailure>>(failures);
    }

    public async Task<TaskOutcome> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var command = InputStager.RewriteCommand(execution.Task.Definition.Command, execution.Inputs, i => i.HostDirectory);
        RewrittenCommands[execution.Task.Name] = command;
        Ran.Enqueue(execution.Task.Name);
        return Behaviours.TryGetValue(execution.Task.Name, out var behaviour)
            ? await behaviour(execution, command, cancellationToken)
            : TaskOutcome.Success;
    }

    public Task CleanupAsync(PlannedTask task, RunContext run, CancellationToken cancellationToken)
    {
        CleanedUp.Enqueue(task.Name);
        if (task.Definition.Remove && Directory.Exists(run.Workspaces[task.Index].Root)) Directory.Delete(run.Workspaces[task.Index].Root, true);
        return Task.CompletedTask;
    }
}
