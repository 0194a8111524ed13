using Dagon.Rules;

namespace Dagon.Scheduling;

/// <summary>
/// Which tasks of a plan a <see cref="TaskSelection"/> takes. A sub-plan must be closed under "needs": there is no
/// record of earlier runs to take a left-out producer's files from, so leaving out a task that a selected task
/// needs is an error that names both, never a run that fails halfway.
/// </summary>
public static class PlanSelection
{
    /// <summary>For each task of the plan, whether it runs.</summary>
    /// <exception cref="TaskSelectionException">A name is unknown, or the selection would leave out what a selected task needs.</exception>
    public static bool[] Resolve(ExecutionPlan plan, TaskSelection selection)
    {
        var errors = new List<string>();
        var targets = Find(plan, selection.Targets, "--target/--until", errors);
        var from = Find(plan, selection.From, "--from", errors);
        var skip = Find(plan, selection.Skip, "--skip", errors);
        if (errors.Count > 0) throw new TaskSelectionException(errors);

        var graph = plan.Graph;
        var upstream = targets.Count > 0 ? Reach(targets, graph.Dependencies) : null;
        var downstream = from.Count > 0 ? Reach(from, graph.Dependents) : null;
        var selected = new bool[plan.Tasks.Count];
        for (var i = 0; i < selected.Length; i++) selected[i] = (upstream?[i] ?? true) && (downstream?[i] ?? true);
        foreach (var index in skip) selected[index] = false;

        foreach (var task in plan.Tasks.Where(t => selected[t.Index]))
        {
            foreach (var needed in task.Dependencies.Where(d => !selected[d.Index]))
            {
                errors.Add(skip.Contains(needed.Index)
                    ? $"cannot skip '{needed.DisplayName}': '{task.DisplayName}' needs it, and no earlier run's outputs are kept to use instead"
                    : $"'{task.DisplayName}' needs '{needed.DisplayName}', which the selection leaves out, and no earlier run's outputs are kept " +
                      $"to use instead: add --from {needed.DisplayName}, or use --target to run everything a task needs");
            }
        }

        if (errors.Count == 0 && !selected.Contains(true)) errors.Add("the selection leaves no task to run");
        if (errors.Count > 0) throw new TaskSelectionException(errors);
        return selected;
    }

    /// <summary>Each node in <paramref name="start"/> and every node reached from them along <paramref name="edges"/>.</summary>
    private static bool[] Reach(IReadOnlyCollection<int> start, int[][] edges)
    {
        var reached = new bool[edges.Length];
        var stack = new Stack<int>(start);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (reached[node]) continue;
            reached[node] = true;
            foreach (var next in edges[node]) stack.Push(next);
        }

        return reached;
    }

    /// <summary>A name is a task's display name, or a task name that only one workflow of the run has.</summary>
    private static HashSet<int> Find(ExecutionPlan plan, IReadOnlyList<string> names, string switchName, List<string> errors)
    {
        var found = new HashSet<int>();
        foreach (var name in names)
        {
            var matches = plan.Tasks.Where(t => t.DisplayName == name).ToList();
            if (matches.Count == 0) matches = plan.Tasks.Where(t => t.Name == name).ToList();
            if (matches.Count == 1)
            {
                found.Add(matches[0].Index);
                continue;
            }

            var closest = ClosestName.Find(name, plan.Tasks.Select(t => t.DisplayName));
            errors.Add(matches.Count > 1
                ? $"{switchName} '{name}' names a task of several workflows: write {string.Join(" or ", matches.Select(m => m.DisplayName))}"
                : $"{switchName}: there is no task '{name}'" + (closest is null ? "" : $": did you mean {closest}?") +
                  $" (tasks: {string.Join(", ", plan.Tasks.Take(20).Select(t => t.DisplayName))}{(plan.Tasks.Count > 20 ? ", ..." : "")})");
        }

        return found;
    }
}
