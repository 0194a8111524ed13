using System.Text;
using Dagon.Scheduling;

namespace Dagon.Reporting;

/// <summary>
/// The plan as a tree for the terminal: each task under the tasks it runs after, its first appearance expanded and
/// later ones marked "(see above)", so a diamond does not repeat its subtree. The first column says whether the task
/// would run or be skipped.
/// </summary>
internal static class PlanTree
{
    public static string Draw(ExecutionPlan plan, IReadOnlyList<bool> selected)
    {
        var running = selected.Count(s => s);
        var text = new StringBuilder();
        text.Append("Plan of ").Append(string.Join(", ", plan.Workflows.Select(w => w.Name))).Append(": ")
            .Append(plan.Tasks.Count).Append(" tasks, ").Append(running).Append(" to run, ")
            .Append(plan.Tasks.Count - running).Append(" skipped\n");
        var shown = new bool[plan.Tasks.Count];
        // An explicit stack instead of recursion: a chain of thousands of tasks must not overflow the stack.
        var stack = new Stack<(PlannedTask Task, string Indent, string Branch, string ChildIndent)>();
        var roots = plan.Tasks.Where(t => t.Dependencies.Count == 0).ToList();
        for (var i = roots.Count - 1; i >= 0; i--) stack.Push((roots[i], "", "", ""));
        while (stack.Count > 0)
        {
            var (task, indent, branch, childIndent) = stack.Pop();
            text.Append(selected[task.Index] ? "run   " : "skip  ").Append(indent).Append(branch).Append(task.DisplayName);
            if (shown[task.Index])
            {
                text.Append("  (see above)\n");
                continue;
            }

            text.Append('\n');
            shown[task.Index] = true;
            var children = task.Dependents;
            for (var i = children.Count - 1; i >= 0; i--)
            {
                var last = i == children.Count - 1;
                stack.Push((children[i], indent + childIndent, last ? "└── " : "├── ", last ? "    " : "│   "));
            }
        }

        return text.ToString();
    }
}
