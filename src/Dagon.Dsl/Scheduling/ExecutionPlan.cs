using Dagon.Model;
using Dagon.Rules;

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

/// <summary>Everything a run needs decided before it starts: the tasks of one or more workflows and their edges.</summary>
public sealed class ExecutionPlan
{
    private ExecutionPlan(string runId, IReadOnlyList<WorkflowDefinition> workflows, IReadOnlyList<PlannedTask> tasks, Dag graph)
    {
        RunId = runId;
        Workflows = workflows;
        Tasks = tasks;
        Graph = graph;
    }

    /// <summary>Short unique id of this run, used in work directory and container names.</summary>
    public string RunId { get; }

    public IReadOnlyList<WorkflowDefinition> Workflows { get; }

    public IReadOnlyList<PlannedTask> Tasks { get; }

    internal Dag Graph { get; }

    /// <summary>
    /// Resolves every dependency and reference, including <c>workflow://Other/Task/path</c> between workflows of the
    /// same run, and rejects unknown workflows and cycles across workflows.
    /// </summary>
    public static ExecutionPlan Create(IReadOnlyList<WorkflowDefinition> workflows, string? imageOverride = null, string? runId = null)
    {
        if (workflows.Count == 0) throw new ArgumentException("A run needs at least one workflow", nameof(workflows));
        var duplicateWorkflow = workflows.GroupBy(w => w.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicateWorkflow is not null)
        {
            throw new WorkflowValidationException(duplicateWorkflow.Key, [$"Workflow '{duplicateWorkflow.Key}' is added to the run twice"]);
        }

        // The override comes from the command line or dagon.ini, so a relative path in it means the current folder.
        ImageSource? overrideImage = null;
        if (imageOverride is not null && !ImageSource.TryParse(imageOverride, Directory.GetCurrentDirectory(), out overrideImage, out var imageError))
        {
            throw new WorkflowValidationException(workflows[0].Name, [$"The image given to replace every task's image is invalid: {imageError}"]);
        }

        var qualify = workflows.Count > 1;
        var tasks = new List<PlannedTask>();
        var byWorkflow = new Dictionary<string, Dictionary<string, PlannedTask>>(StringComparer.Ordinal);
        foreach (var workflow in workflows)
        {
            var map = new Dictionary<string, PlannedTask>(StringComparer.Ordinal);
            foreach (var task in workflow.Tasks)
            {
                var planned = new PlannedTask(tasks.Count, workflow, task, qualify ? $"{workflow.Name}/{task.Name}" : task.Name)
                {
                    Image = task.Kind == TaskKind.Batch ? null : overrideImage ?? ImageSource.Parse(workflow.ImageOf(task)!, workflow.BaseDirectory),
                };
                tasks.Add(planned);
                map[task.Name] = planned;
            }

            byWorkflow[workflow.Name] = map;
        }

        var errors = new List<string>();
        var dependencies = new int[tasks.Count][];
        foreach (var planned in tasks)
        {
            var deps = new List<PlannedTask>();
            foreach (var name in planned.Workflow.DependenciesOf(planned.Definition))
            {
                deps.Add(byWorkflow[planned.Workflow.Name][name]);
            }

            List<ResolvedReference>? inputs = null;
            foreach (var reference in planned.Definition.References)
            {
                var workflowName = reference.Workflow ?? planned.Workflow.Name;
                if (!byWorkflow.TryGetValue(workflowName, out var map))
                {
                    errors.Add($"Task '{planned.DisplayName}' references workflow '{workflowName}' in '{reference.Text}', " +
                               "but that workflow is not part of this run");
                    continue;
                }

                if (!map.TryGetValue(reference.Task, out var producer))
                {
                    errors.Add($"Task '{planned.DisplayName}' references unknown task '{reference.Task}' of workflow '{workflowName}' in '{reference.Text}'");
                    continue;
                }

                (inputs ??= []).Add(new ResolvedReference(reference, producer));
                if (!deps.Contains(producer)) deps.Add(producer);
            }

            planned.Dependencies = deps.Count == 0 ? [] : deps.ToArray();
            planned.Inputs = (IReadOnlyList<ResolvedReference>?)inputs ?? [];
            var indices = deps.Count == 0 ? [] : new int[deps.Count];
            for (var i = 0; i < indices.Length; i++) indices[i] = deps[i].Index;
            dependencies[planned.Index] = indices;
        }

        var graph = new Dag(dependencies);
        // Build() already proved each workflow acyclic; only edges between workflows can close a new cycle.
        if (errors.Count == 0 && workflows.Count > 1)
        {
            foreach (var cycle in graph.DistinctCycles())
            {
                errors.Add($"Dependency cycle: {string.Join(" -> ", cycle.Select(i => tasks[i].DisplayName))}");
            }
        }

        if (errors.Count > 0) throw new WorkflowValidationException(string.Join(", ", workflows.Select(w => w.Name)), errors);

        foreach (var planned in tasks)
        {
            var dependents = graph.Dependents[planned.Index];
            var list = dependents.Length == 0 ? [] : new PlannedTask[dependents.Length];
            for (var i = 0; i < list.Length; i++) list[i] = tasks[dependents[i]];
            planned.Dependents = list;
        }

        return new ExecutionPlan(runId ?? NewRunId(), workflows, tasks, graph);
    }

    private static string NewRunId() =>
        $"{Guid.NewGuid().ToString("N")[..8]}-{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}";
}
