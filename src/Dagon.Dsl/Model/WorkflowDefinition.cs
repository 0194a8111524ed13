namespace Dagon.Model;

/// <summary>A validated workflow: named tasks and the edges between them.</summary>
public sealed class WorkflowDefinition
{
    internal WorkflowDefinition(string name, string? defaultImage, string baseDirectory, IReadOnlyList<TaskDefinition> tasks)
    {
        Name = name;
        DefaultImage = defaultImage;
        BaseDirectory = baseDirectory;
        Tasks = tasks;
        TasksByName = tasks.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public string Name { get; }

    public string? DefaultImage { get; }

    /// <summary>How the workflow's tasks are started unless a task says otherwise; null follows the host profile, then the run.</summary>
    public Scheduler? Scheduler { get; init; }

    /// <summary>Folder that relative image paths (<c>images/tools.sif</c>) are resolved against.</summary>
    public string BaseDirectory { get; }

    /// <summary>Tasks in declaration order.</summary>
    public IReadOnlyList<TaskDefinition> Tasks { get; }

    public IReadOnlyDictionary<string, TaskDefinition> TasksByName { get; }

    public TaskDefinition this[string taskName] => TasksByName[taskName];

    /// <summary>The image a task runs in: its own, else the workflow's default.</summary>
    public string? ImageOf(TaskDefinition task) => task.Image ?? DefaultImage;

    /// <summary>
    /// Names of the tasks in this workflow that <paramref name="task"/> must run after: explicit dependencies plus
    /// the producers of its same-workflow references, without duplicates, in first-mention order.
    /// </summary>
    public IReadOnlyList<string> DependenciesOf(TaskDefinition task) => WorkflowEdges.Of(Name, task);

    /// <summary>True when the reference points into this workflow (<c>workflow:///</c> or its own name).</summary>
    public bool IsLocal(WorkflowReference reference) => WorkflowEdges.IsLocal(Name, reference);
}
