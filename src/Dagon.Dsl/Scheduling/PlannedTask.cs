using Dagon.Model;

namespace Dagon.Scheduling;

/// <summary>A reference in a task's command, bound to the task that produces the file.</summary>
public sealed record ResolvedReference(WorkflowReference Reference, PlannedTask Producer);

/// <summary>One task of a run: its definition, its place in the graph and the tasks whose files it reads.</summary>
public sealed class PlannedTask
{
    internal PlannedTask(int index, WorkflowDefinition workflow, TaskDefinition definition, string displayName)
    {
        Index = index;
        Workflow = workflow;
        Definition = definition;
        DisplayName = displayName;
    }

    public int Index { get; }

    public WorkflowDefinition Workflow { get; }

    public TaskDefinition Definition { get; }

    public string Name => Definition.Name;

    /// <summary>The task's name, prefixed with its workflow's when a run holds several workflows.</summary>
    public string DisplayName { get; }

    public IReadOnlyList<PlannedTask> Dependencies { get; internal set; } = [];

    public IReadOnlyList<PlannedTask> Dependents { get; internal set; } = [];

    public IReadOnlyList<ResolvedReference> Inputs { get; internal set; } = [];

    /// <summary>
    /// The image a container task runs in (its own, a run-wide override, or the workflow default), parsed once here,
    /// local paths made absolute against the folder they were written for; null for batch tasks.
    /// </summary>
    public ImageSource? Image { get; internal set; }

    public override string ToString() => DisplayName;
}
