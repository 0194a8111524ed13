namespace Dagon.Scheduling;

/// <summary>
/// The shape of a DAG as plain index arrays: node <c>i</c> runs after every node in <see cref="Dependencies"/>[i].
/// Keeping the scheduler on integers keeps it independent of what a task is, and cheap at a million nodes.
/// </summary>
public sealed class TaskGraph
{
    public TaskGraph(int[][] dependencies)
    {
        Dependencies = dependencies;
        var dependentCounts = new int[dependencies.Length];
        foreach (var deps in dependencies)
        {
            foreach (var d in deps) dependentCounts[d]++;
        }

        var dependents = new int[dependencies.Length][];
        for (var i = 0; i < dependents.Length; i++) dependents[i] = dependentCounts[i] == 0 ? [] : new int[dependentCounts[i]];
        var fill = new int[dependencies.Length];
        for (var i = 0; i < dependencies.Length; i++)
        {
            foreach (var d in dependencies[i]) dependents[d][fill[d]++] = i;
        }

        Dependents = dependents;
    }

    public int Count => Dependencies.Length;

    public int[][] Dependencies { get; }

    public int[][] Dependents { get; }

    /// <summary>Indices in an order where every node follows its dependencies, or null when the graph has a cycle.</summary>
    public int[]? TopologicalOrder()
    {
        var remaining = new int[Count];
        var order = new int[Count];
        int head = 0, tail = 0;
        for (var i = 0; i < Count; i++)
        {
            remaining[i] = Dependencies[i].Length;
            if (remaining[i] == 0) order[tail++] = i;
        }

        while (head < tail)
        {
            foreach (var dependent in Dependents[order[head++]])
            {
                if (--remaining[dependent] == 0) order[tail++] = dependent;
            }
        }

        return tail == Count ? order : null;
    }
}
