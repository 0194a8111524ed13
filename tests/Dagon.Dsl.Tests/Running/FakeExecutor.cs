using System.Collections.Concurrent;
using Dagon.Execution;
using Dagon.Places.Local;
using Dagon.Scheduling;
using Dagon.Staging;

namespace Dagon.Dsl.Tests.Running;

/// <summary>
/// Runs tasks as C# delegates in real local work directories, so the runner's planning, staging, failure handling
/// and cleanup are tested without containers. (Container execution is tested against real Apptainer elsewhere.)
/// </summary>
internal sealed class FakeExecutor(string root) : ITaskExecutor
{
    public delegate Task<TaskOutcome> Behaviour(TaskExecution execution, string rewrittenCommand, CancellationToken cancellationToken);

    private static readonly LocalPlace Local = new(new Dagon.LocalFiles.ContainerUserAccess(null));

    public ConcurrentDictionary<string, Behaviour> Behaviours { get; } = new();
    public ConcurrentDictionary<string, string> PreparationFailures { get; } = new();
    public ConcurrentQueue<string> Ran { get; } = new();
    public ConcurrentQueue<string> CleanedUp { get; } = new();
    public ConcurrentDictionary<string, string> RewrittenCommands { get; } = new();

    public Task<Preparation> PrepareAsync(ExecutionPlan plan, DagonOptions options, CancellationToken cancellationToken)
    {
        var run = new RunState(plan, options);
        foreach (var task in plan.Tasks)
        {
            run.Places[task.Index] = Local;
            run.Workspaces[task.Index] = new TaskWorkspace(Path.Combine(root, $"dagon-{run.RunId}", PathSegment.Slug(task.DisplayName)));
        }

        var failures = plan.Tasks.Where(t => PreparationFailures.ContainsKey(t.Name))
            .Select(t => new PreparationFailure(t, PreparationFailures[t.Name])).ToList();
        if (failures.Count == 0)
        {
            foreach (var task in plan.Tasks) Directory.CreateDirectory(run.Workspaces[task.Index].WorkDir);
        }

        return Task.FromResult(new Preparation(run, failures));
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

    public Task CleanupAsync(PlannedTask task, RunState run, CancellationToken cancellationToken)
    {
        CleanedUp.Enqueue(task.Name);
        if (task.Definition.Remove && Directory.Exists(run.Workspaces[task.Index].Root)) Directory.Delete(run.Workspaces[task.Index].Root, true);
        return Task.CompletedTask;
    }

    public Task FinishAsync(RunState run, CancellationToken cancellationToken) => Task.CompletedTask;
}
