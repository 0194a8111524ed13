#nullable enable
using System;
using System.Collections.Generic;

namespace Dagon.Rules;

/// <summary>
/// The shape of a workflow as plain index arrays: node <c>i</c> runs after every node in <see cref="Dependencies"/>[i].
/// The one graph of the product: the analyzers, validation and the scheduler all ask it for order and cycles, so a
/// cycle is found in one place and reported one way. Integers keep it independent of what a node is, and cheap at
/// a million nodes; every walk is iterative, so long chains cannot overflow the stack.
/// </summary>
internal sealed class Dag
{
    public Dag(int[][] dependencies)
    {
        Dependencies = dependencies;
        var dependentCounts = new int[dependencies.Length];
        foreach (var deps in dependencies)
        {
            foreach (var d in deps) dependentCounts[d]++;
        }

        var dependents = new int[dependencies.Length][];
        for (var i = 0; i < dependents.Length; i++) dependents[i] = dependentCounts[i] == 0 ? Array.Empty<int>() : new int[dependentCounts[i]];
        var fill = new int[dependencies.Length];
        for (var i = 0; i < dependencies.Length; i++)
        {
            foreach (var d in dependencies[i]) dependents[d][fill[d]++] = i;
        }

        Dependents = dependents;
    }

    public int Count => Dependencies.Length;

    /// <summary>For each node, the nodes it runs after.</summary>
    public int[][] Dependencies { get; }

    /// <summary>For each node, the nodes that run after it, in ascending index order.</summary>
    public int[][] Dependents { get; }

    /// <summary>Indices in an order where every node follows its dependencies, or null when the graph has a cycle.</summary>
    public int[]? TopologicalOrder()
    {
        var order = Sort(out _, out var ordered);
        return ordered == Count ? order : null;
    }

    /// <summary>
    /// For every node on a cycle, the shortest cycle through it in run order, starting and ending at that node
    /// (<c>[a, b, a]</c> means b runs after a, which runs after b), in ascending order of that node. Empty when
    /// the graph is acyclic.
    /// </summary>
    /// <remarks>
    /// An acyclic graph costs one topological sort. The sort cannot order the nodes on a cycle or downstream of
    /// one; peeling, in reverse, those of them with no unordered dependents drops the ones only downstream. A
    /// breadth-first search over dependents then starts from each node left (on a cycle, or between two), so the
    /// reported cycle is the shortest and a long tail after a cycle costs nothing.
    /// </remarks>
    public IReadOnlyList<int[]> FindCycles()
    {
        Sort(out var remaining, out var ordered);
        if (ordered == Count) return Array.Empty<int[]>();

        // remaining[i] > 0: i is on a cycle or downstream of one. Peel, in reverse, the nodes none of whose
        // dependents is left; what survives is on a cycle or has one both upstream and downstream.
        var candidate = new bool[Count];
        var outgoing = new int[Count];
        var stack = new int[Count];
        var top = 0;
        for (var i = 0; i < Count; i++) candidate[i] = remaining[i] > 0;
        for (var i = 0; i < Count; i++)
        {
            if (!candidate[i]) continue;
            foreach (var dependent in Dependents[i])
            {
                if (candidate[dependent]) outgoing[i]++;
            }

            if (outgoing[i] == 0) stack[top++] = i;
        }

        while (top > 0)
        {
            var node = stack[--top];
            candidate[node] = false;
            foreach (var dependency in Dependencies[node])
            {
                if (candidate[dependency] && --outgoing[dependency] == 0) stack[top++] = dependency;
            }
        }

        var cycles = new List<int[]>();
        var previous = new int[Count];
        var seenBy = new int[Count]; // start + 1 of the search that reached the node last
        var queue = new int[Count];
        for (var start = 0; start < Count; start++)
        {
            if (!candidate[start]) continue;
            var cycle = ShortestCycleThrough(start, candidate, previous, seenBy, queue);
            if (cycle is not null) cycles.Add(cycle);
        }

        return cycles;
    }

    /// <summary>
    /// Each distinct cycle of <see cref="FindCycles"/> once: the same cycle is found from every node on it, and is
    /// kept as the rotation that starts at its lowest index. Ordered by that sequence of indices.
    /// </summary>
    public IReadOnlyList<int[]> DistinctCycles()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var distinct = new List<int[]>();
        foreach (var cycle in FindCycles())
        {
            var rotated = RotateToLowest(cycle);
            if (seen.Add(string.Join(",", rotated))) distinct.Add(rotated);
        }

        distinct.Sort(CompareSequences);
        return distinct;
    }

    /// <summary>
    /// Kahn's algorithm. Returns the nodes it could order (the first <paramref name="ordered"/> entries); the rest
    /// keep a positive count in <paramref name="remaining"/>.
    /// </summary>
    private int[] Sort(out int[] remaining, out int ordered)
    {
        remaining = new int[Count];
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

        ordered = tail;
        return order;
    }

    private int[]? ShortestCycleThrough(int start, bool[] candidate, int[] previous, int[] seenBy, int[] queue)
    {
        var mark = start + 1;
        int head = 0, tail = 0;
        queue[tail++] = start;
        seenBy[start] = mark;
        while (head < tail)
        {
            var current = queue[head++];
            foreach (var follower in Dependents[current])
            {
                if (follower == start)
                {
                    var path = new List<int> { start };
                    for (var node = current; node != start; node = previous[node]) path.Add(node);
                    path.Add(start);
                    path.Reverse(1, path.Count - 2);
                    return path.ToArray();
                }

                if (!candidate[follower] || seenBy[follower] == mark) continue;
                seenBy[follower] = mark;
                previous[follower] = current;
                queue[tail++] = follower;
            }
        }

        return null;
    }

    private static int[] RotateToLowest(int[] cycle)
    {
        // cycle[0] == cycle[^1]; rotate the open path cycle[0..^1] and close it again.
        var length = cycle.Length - 1;
        var lowest = 0;
        for (var i = 1; i < length; i++)
        {
            if (cycle[i] < cycle[lowest]) lowest = i;
        }

        var rotated = new int[cycle.Length];
        for (var i = 0; i < length; i++) rotated[i] = cycle[(lowest + i) % length];
        rotated[length] = rotated[0];
        return rotated;
    }

    private static int CompareSequences(int[] a, int[] b)
    {
        for (var i = 0; i < a.Length && i < b.Length; i++)
        {
            if (a[i] != b[i]) return a[i].CompareTo(b[i]);
        }

        return a.Length.CompareTo(b.Length);
    }
}
