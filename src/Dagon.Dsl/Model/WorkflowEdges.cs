namespace Dagon.Model;

/// <summary>The edges of a workflow: what a task runs after. Validation, the definition and the plan all ask here.</summary>
internal static class WorkflowEdges
{
    /// <summary>
    /// Names of the tasks of workflow <paramref name="workflowName"/> that <paramref name="task"/> runs after: its
    /// explicit dependencies, then the producers of its same-workflow references; without duplicates, in
    /// first-mention order. Names are as written; validation is what proves they exist.
    /// </summary>
    public static IReadOnlyList<string> Of(string workflowName, TaskDefinition task)
    {
        var references = task.References;
        if (task.DependsOn.Count == 0 && references.Count == 0) return [];

        var result = new List<string>(task.DependsOn.Count + references.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in task.DependsOn)
        {
            if (seen.Add(name)) result.Add(name);
        }

        foreach (var reference in references)
        {
            if (IsLocal(workflowName, reference) && seen.Add(reference.Task)) result.Add(reference.Task);
        }

        return result;
    }

    /// <summary>True when the reference points into workflow <paramref name="workflowName"/> (<c>workflow:///</c> or its name).</summary>
    public static bool IsLocal(string workflowName, WorkflowReference reference) =>
        reference.Workflow is null || string.Equals(reference.Workflow, workflowName, StringComparison.Ordinal);
}
