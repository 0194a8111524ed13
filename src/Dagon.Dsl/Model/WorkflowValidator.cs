using Dagon.Rules;

namespace Dagon.Model;

/// <summary>Rejects workflows that cannot run, before anything runs. Every message names the task and the cause.</summary>
internal static class WorkflowValidator
{
    public static List<string> Validate(string workflow, string? defaultImage, string baseDirectory, IReadOnlyList<TaskDefinition> tasks)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(workflow)) errors.Add("The workflow has no name");
        if (tasks.Count == 0) errors.Add($"Workflow '{workflow}' has no tasks");

        var names = new Dictionary<string, int>(tasks.Count, StringComparer.Ordinal);
        foreach (var task in tasks) names[task.Name] = names.GetValueOrDefault(task.Name) + 1;
        foreach (var task in tasks)
        {
            if (names[task.Name] is var count and > 1)
            {
                errors.Add($"Duplicate task name '{task.Name}' (declared {count} times)");
                names[task.Name] = -count; // report each name once
            }
        }

        foreach (var task in tasks)
        {
            ValidateTask(workflow, defaultImage, baseDirectory, task, names, errors);
        }

        // Cycles only make sense once every edge points at a real task. A cheap topological sort finds out whether
        // there is one; only then does the search that names the cycle's path run.
        if (errors.Count == 0 && !IsAcyclic(workflow, tasks))
        {
            foreach (var cycle in FindCycles(tasks, task => DependencyNames(workflow, task)))
            {
                errors.Add($"Dependency cycle: {string.Join(" -> ", cycle)}");
            }
        }

        return errors;
    }

    private static bool IsAcyclic(string workflow, IReadOnlyList<TaskDefinition> tasks)
    {
        var index = new Dictionary<string, int>(tasks.Count, StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++) index[tasks[i].Name] = i;
        var dependencies = new int[tasks.Count][];
        for (var i = 0; i < tasks.Count; i++)
        {
            var edges = new List<int>();
            foreach (var name in DependencyNames(workflow, tasks[i])) edges.Add(index[name]);
            dependencies[i] = [.. edges];
        }

        return new Scheduling.TaskGraph(dependencies).TopologicalOrder() is not null;
    }

    private static void ValidateTask(string workflow, string? defaultImage, string baseDirectory, TaskDefinition task,
        Dictionary<string, int> names, List<string> errors)
    {
        var label = $"Task '{task.Name}'";
        if (string.IsNullOrWhiteSpace(task.Name)) errors.Add("A task has an empty name");
        if (string.IsNullOrWhiteSpace(task.Command)) errors.Add($"{label} has an empty command");
        if (task.Overlay == OverlayMode.Image && OverlayRules.Check(task.OverlaySizeMb) is { } overlayError)
        {
            errors.Add($"{label} has overlay size {task.OverlaySizeMb} MB; {overlayError}");
        }

        foreach (var name in task.Environment.Keys)
        {
            if (!IsEnvironmentName(name)) errors.Add($"{label} sets environment variable '{name}', which is not a valid name ([A-Za-z_][A-Za-z0-9_]*)");
        }

        if (task.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            errors.Add($"{label} has a timeout of {timeout}; it must be positive");
        }

        if (task.Kind == TaskKind.Apptainer)
        {
            var image = task.Image ?? defaultImage;
            if (image is null)
            {
                errors.Add($"{label} has no image and workflow '{workflow}' has no default image");
            }
            else if (!ImageSource.TryParse(image, baseDirectory, out _, out var imageError))
            {
                errors.Add($"{label}: {imageError}");
            }
        }
        else if (task.Kind == TaskKind.Batch)
        {
            if (task.Image is not null) errors.Add($"{label} is a batch task, which runs on the host: it takes no image ('{task.Image}')");
            if (task.BindPaths.Count > 0) errors.Add($"{label} is a batch task, which runs on the host: bind paths do not apply");
        }

        foreach (var dependency in task.DependsOn)
        {
            if (dependency == task.Name) errors.Add($"{label} depends on itself");
            else if (!names.ContainsKey(dependency)) errors.Add($"{label} depends on unknown task '{dependency}'");
        }

        var malformed = new List<MalformedReference>();
        var references = WorkflowReferenceParser.Parse(task.Command, malformed);
        foreach (var bad in malformed)
        {
            errors.Add($"{label} has a malformed reference '{bad.Text}' (expected workflow:///Task/path or workflow://Workflow/Task/path)");
        }

        foreach (var reference in references)
        {
            if (reference.Workflow is not null && reference.Workflow != workflow) continue; // checked when the run is planned
            if (reference.Task == task.Name) errors.Add($"{label} references itself in '{reference.Text}'");
            else if (!names.ContainsKey(reference.Task)) errors.Add($"{label} references unknown task '{reference.Task}' in '{reference.Text}'");
        }
    }

    private static bool IsEnvironmentName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static IEnumerable<string> DependencyNames(string workflow, TaskDefinition task)
    {
        foreach (var dependency in task.DependsOn) yield return dependency;
        foreach (var reference in task.References)
        {
            if (reference.Workflow is null || reference.Workflow == workflow) yield return reference.Task;
        }
    }

    /// <summary>
    /// Each cycle once, as the path that closes it (<c>A -> B -> A</c>). Iterative depth-first search, so that a
    /// chain of a million tasks does not overflow the stack.
    /// </summary>
    internal static List<List<string>> FindCycles(IReadOnlyList<TaskDefinition> tasks, Func<TaskDefinition, IEnumerable<string>> dependencies)
    {
        var byName = new Dictionary<string, TaskDefinition>(StringComparer.Ordinal);
        foreach (var task in tasks) byName.TryAdd(task.Name, task);

        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 0 unvisited, 1 on stack, 2 done
        var cycles = new List<List<string>>();
        var path = new List<string>();
        var stack = new Stack<(string Name, IEnumerator<string> Edges)>();

        foreach (var root in tasks)
        {
            if (state.GetValueOrDefault(root.Name) != 0) continue;
            state[root.Name] = 1;
            path.Add(root.Name);
            stack.Push((root.Name, dependencies(root).Distinct().GetEnumerator()));

            while (stack.Count > 0)
            {
                var (name, edges) = stack.Peek();
                if (edges.MoveNext())
                {
                    var next = edges.Current;
                    if (!byName.TryGetValue(next, out var nextTask)) continue;
                    switch (state.GetValueOrDefault(next))
                    {
                        case 0:
                            state[next] = 1;
                            path.Add(next);
                            stack.Push((next, dependencies(nextTask).Distinct().GetEnumerator()));
                            break;
                        case 1:
                            // Edges point from a task to what it depends on; print the cycle in run order.
                            var cycle = path.Skip(path.IndexOf(next)).Reverse().ToList();
                            cycle.Insert(0, next);
                            cycles.Add(cycle);
                            break;
                    }
                }
                else
                {
                    state[name] = 2;
                    path.RemoveAt(path.Count - 1);
                    stack.Pop();
                }
            }
        }

        return cycles;
    }
}
