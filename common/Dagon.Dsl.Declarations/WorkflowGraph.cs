#nullable enable
using System;
using System.Collections.Generic;
using System.Linq;
using Dagon.Rules;

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
        // Index the tasks in ordinal name order, so that among cycles of equal length the search picks the same
        // one whatever the declaration order.
        var names = _dependencies.Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var index = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++) index[names[i]] = i;
        var dependencies = new int[names.Length][];
        for (var i = 0; i < names.Length; i++) dependencies[i] = _dependencies[names[i]].Select(n => index[n]).ToArray();

        var cycles = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var cycle in new Dag(dependencies).FindCycles())
        {
            cycles[names[cycle[0]]] = cycle.Select(i => names[i]).ToArray();
        }

        return cycles;
    }
}
