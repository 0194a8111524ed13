using Dagon.Model;
using Dagon.Rules;

namespace Dagon.Scheduling;

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

        var tasks = PlanTasks(workflows, OverrideImage(workflows, imageOverride));
        var byWorkflow = tasks.GroupBy(t => t.Workflow.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToDictionary(t => t.Name, StringComparer.Ordinal), StringComparer.Ordinal);
        var errors = new List<string>();
        var dependencies = new int[tasks.Count][];
        foreach (var planned in tasks) dependencies[planned.Index] = Connect(planned, byWorkflow, errors);

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
            planned.Dependents = graph.Dependents[planned.Index] is { Length: > 0 } dependents ? Array.ConvertAll(dependents, i => tasks[i]) : [];
        }

        return new ExecutionPlan(runId ?? NewRunId(), workflows, tasks, graph);
    }

    /// <summary>The override comes from the command line or dagon.ini, so a relative path in it means the current folder.</summary>
    private static ImageSource? OverrideImage(IReadOnlyList<WorkflowDefinition> workflows, string? imageOverride)
    {
        if (imageOverride is null) return null;
        return ImageSource.TryParse(imageOverride, Directory.GetCurrentDirectory(), out var image, out var error)
            ? image
            : throw new WorkflowValidationException(workflows[0].Name, [$"The image given to replace every task's image is invalid: {error}"]);
    }

    /// <summary>Every task once, in declaration order; a container task's image parsed against its own workflow's folder.</summary>
    private static List<PlannedTask> PlanTasks(IReadOnlyList<WorkflowDefinition> workflows, ImageSource? overrideImage)
    {
        var qualify = workflows.Count > 1;
        var tasks = new List<PlannedTask>();
        foreach (var workflow in workflows)
        {
            foreach (var task in workflow.Tasks)
            {
                tasks.Add(new PlannedTask(tasks.Count, workflow, task, qualify ? $"{workflow.Name}/{task.Name}" : task.Name)
                {
                    Image = task.Kind == TaskKind.Batch ? null : overrideImage ?? ImageSource.Parse(workflow.ImageOf(task)!, workflow.BaseDirectory),
                });
            }
        }

        return tasks;
    }

    /// <summary>Binds the task's references to their producers and returns the indices of every task it runs after.</summary>
    private static int[] Connect(PlannedTask planned, Dictionary<string, Dictionary<string, PlannedTask>> byWorkflow, List<string> errors)
    {
        var names = planned.Workflow.DependenciesOf(planned.Definition);
        var sameWorkflow = byWorkflow[planned.Workflow.Name];
        var deps = new List<PlannedTask>(names.Count);
        for (var i = 0; i < names.Count; i++) deps.Add(sameWorkflow[names[i]]);
        List<ResolvedReference>? inputs = null;
        foreach (var reference in planned.Definition.References)
        {
            var workflowName = reference.Workflow ?? planned.Workflow.Name;
            if (!byWorkflow.TryGetValue(workflowName, out var map))
            {
                errors.Add($"Task '{planned.DisplayName}' references workflow '{workflowName}' in '{reference.Text}', " +
                           "but that workflow is not part of this run");
            }
            else if (!map.TryGetValue(reference.Task, out var producer))
            {
                errors.Add($"Task '{planned.DisplayName}' references unknown task '{reference.Task}' of workflow '{workflowName}' in '{reference.Text}'");
            }
            else
            {
                (inputs ??= []).Add(new ResolvedReference(reference, producer));
                if (!deps.Contains(producer)) deps.Add(producer);
            }
        }

        planned.Dependencies = deps.Count == 0 ? [] : deps.ToArray();
        planned.Inputs = (IReadOnlyList<ResolvedReference>?)inputs ?? [];
        var indices = deps.Count == 0 ? [] : new int[deps.Count];
        for (var i = 0; i < indices.Length; i++) indices[i] = deps[i].Index;
        return indices;
    }

    /// <summary>
    /// The plan of the kept tasks only, in the same order and run, for a run of part of the DAG. The kept tasks must
    /// include everything they depend on (<see cref="PlanSelection"/> makes sure), so every reference still binds.
    /// </summary>
    internal ExecutionPlan Subset(IReadOnlyList<bool> keep)
    {
        var map = new PlannedTask?[Tasks.Count];
        var tasks = new List<PlannedTask>();
        foreach (var task in Tasks.Where(t => keep[t.Index]))
        {
            map[task.Index] = new PlannedTask(tasks.Count, task.Workflow, task.Definition, task.DisplayName) { Image = task.Image };
            tasks.Add(map[task.Index]!);
        }

        foreach (var task in Tasks.Where(t => keep[t.Index]))
        {
            var copy = map[task.Index]!;
            copy.Dependencies = task.Dependencies.Select(d => map[d.Index] ?? throw new InvalidOperationException(
                $"Task '{task.DisplayName}' needs '{d.DisplayName}', which the subset leaves out")).ToArray();
            copy.Inputs = task.Inputs.Select(i => i with { Producer = map[i.Producer.Index]! }).ToArray();
        }

        var graph = new Dag(tasks.Select(t => t.Dependencies.Select(d => d.Index).ToArray()).ToArray());
        foreach (var task in tasks) task.Dependents = graph.Dependents[task.Index].Select(i => tasks[i]).ToArray();
        return new ExecutionPlan(RunId, Workflows, tasks, graph);
    }

    private static string NewRunId() =>
        $"{Guid.NewGuid().ToString("N")[..8]}-{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}";
}
