#nullable enable
using System;
using System.Collections.Generic;
using System.Linq;

namespace Dagon.Dsl.Declarations;

/// <summary>
/// The edges of one workflow: explicit <c>[DependsOn]</c> plus every <c>workflow:///Task/...</c> reference to
/// another task of the same workflow. The generator emits these edges; the analyzers look for cycles in them.
/// </summary>
internal sealed class WorkflowGraph
{
    private readonly Dictionary<string, List<string>> _dependencies = new Dictionary<string, List<string>>(StringComparer.Ordinal);

    public WorkflowGraph(WorkflowDeclaration workflow)
    {
        var classToTask = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var task in workflow.Tasks) classToTask[task.ClassName] = task.Name;
        var names = new HashSet<string>(workflow.Tasks.Select(t => t.Name), StringComparer.Ordinal);

        foreach (var task in workflow.Tasks)
        {
            var edges = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var dependency in task.DependsOn)
            {
                if (dependency.TargetClassName is { } target && classToTask.TryGetValue(target, out var name) && name != task.Name) edges.Add(name);
            }

            foreach (var reference in task.References)
            {
                if (IsLocal(workflow, reference) && reference.Task != task.Name && names.Contains(reference.Task)) edges.Add(reference.Task);
            }

            if (_dependencies.TryGetValue(task.Name, out var existing)) existing.AddRange(edges.Where(e => !existing.Contains(e)));
            else _dependencies[task.Name] = edges.ToList();
        }
    }

    /// <summary>A reference into the same workflow: <c>workflow:///</c>, or the workflow's own name spelled out.</summary>
    public static bool IsLocal(WorkflowDeclaration workflow, ReferenceDeclaration reference) =>
        reference.Workflow is null || reference.Workflow == workflow.Name;

    /// <summary>The tasks <paramref name="task"/> runs after, sorted ordinally.</summary>
    public IReadOnlyList<string> DependenciesOf(string task) =>
        _dependencies.TryGetValue(task, out var edges) ? edges : (IReadOnlyList<string>)Array.Empty<string>();

    /// <summary>
    /// For every task on a cycle, the shortest cycle through it in run order, starting and ending at that task
    /// (<c>A -> B -> A</c> means B runs after A, which runs after B). Tasks on no cycle are absent.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> FindCycles()
    {
        // Run order follows the reversed edges: from a task to the tasks that depend on it.
        var dependents = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in _dependencies)
        {
            foreach (var dependency in pair.Value)
            {
                if (!dependents.TryGetValue(dependency, out var list)) dependents[dependency] = list = new List<string>();
                list.Add(pair.Key);
            }
        }

        foreach (var list in dependents.Values) list.Sort(StringComparer.Ordinal);

        var cycles = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var start in _dependencies.Keys)
        {
            var path = ShortestPathBack(start, dependents);
            if (path is not null) cycles[start] = path;
        }

        return cycles;
    }

    private static IReadOnlyList<string>? ShortestPathBack(string start, Dictionary<string, List<string>> next)
    {
        // Breadth-first, so the reported cycle is the shortest one; iterative, so long chains do not overflow.
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            if (!next.TryGetValue(current, out var followers)) continue;
            foreach (var follower in followers)
            {
                if (follower == start)
                {
                    var path = new List<string> { start };
                    for (var node = current; node != start; node = previous[node]) path.Add(node);
                    path.Add(start);
                    path.Reverse(1, path.Count - 2);
                    return path;
                }

                if (previous.ContainsKey(follower)) continue;
                previous[follower] = current;
                queue.Enqueue(follower);
            }
        }

        return null;
    }
}
