using System.Text;
using Dagon.Scheduling;

namespace Dagon.Reporting;

/// <summary>
/// Draws a plan for <c>--plan</c>: every task of the full plan, marked as running or skipped by the selection, in
/// the terminal as a text tree, or as a Mermaid flowchart or Graphviz DOT to paste into documents.
/// </summary>
public static class PlanDrawing
{
    public static string Draw(ExecutionPlan plan, IReadOnlyList<bool> selected, PlanFormat format) => format switch
    {
        PlanFormat.Mermaid => Mermaid(plan, selected),
        PlanFormat.Dot => Dot(plan, selected),
        _ => PlanTree.Draw(plan, selected),
    };

    /// <summary>A <c>flowchart TD</c>; skipped tasks get the dashed <c>skipped</c> class.</summary>
    public static string Mermaid(ExecutionPlan plan, IReadOnlyList<bool> selected)
    {
        var text = new StringBuilder("flowchart TD\n");
        foreach (var task in plan.Tasks)
        {
            text.Append("    t").Append(task.Index).Append("[\"").Append(task.DisplayName.Replace("\"", "#quot;", StringComparison.Ordinal)).Append("\"]");
            text.Append(selected[task.Index] ? "" : ":::skipped").Append('\n');
        }

        foreach (var task in plan.Tasks)
        {
            foreach (var dependency in task.Dependencies) text.Append("    t").Append(dependency.Index).Append(" --> t").Append(task.Index).Append('\n');
        }

        text.Append("    classDef skipped stroke-dasharray: 5 5,color:#888888\n");
        return text.ToString();
    }

    /// <summary>A <c>digraph</c>; skipped tasks are dashed and grey, labelled "(skipped)".</summary>
    public static string Dot(ExecutionPlan plan, IReadOnlyList<bool> selected)
    {
        var text = new StringBuilder("digraph plan {\n    rankdir=TB;\n    node [shape=box];\n");
        foreach (var task in plan.Tasks)
        {
            var label = task.DisplayName.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
            text.Append("    t").Append(task.Index).Append(" [label=\"").Append(label);
            text.Append(selected[task.Index] ? "\"];\n" : " (skipped)\", style=dashed, fontcolor=gray50];\n");
        }

        foreach (var task in plan.Tasks)
        {
            foreach (var dependency in task.Dependencies) text.Append("    t").Append(dependency.Index).Append(" -> t").Append(task.Index).Append(";\n");
        }

        return text.Append("}\n").ToString();
    }
}
