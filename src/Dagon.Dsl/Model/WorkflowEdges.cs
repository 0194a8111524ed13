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
        // A handful of names is searched faster than hashed (List.Contains is ordinal for strings); a task after
        // thousands of others gets a set.
        var seen = result.Capacity > ManyNames ? new HashSet<string>(StringComparer.Ordinal) : null;
        // Indexed loops: a foreach over the interface would allocate an enumerator per call, and this runs per task.
        for (var i = 0; i < task.DependsOn.Count; i++) AddOnce(result, seen, task.DependsOn[i]);
        for (var i = 0; i < references.Count; i++)
        {
            if (IsLocal(workflowName, references[i])) AddOnce(result, seen, references[i].Task);
        }

        return result;
    }

    private const int ManyNames = 16;

    private static void AddOnce(List<string> names, HashSet<string>? seen, string name)
    {
        if (seen is null ? !names.Contains(name) : seen.Add(name)) names.Add(name);
    }

    /// <summary>True when the reference points into workflow <paramref name="workflowName"/> (<c>workflow:///</c> or its name).</summary>
    public static bool IsLocal(string workflowName, WorkflowReference reference) =>
        reference.Workflow is null || string.Equals(reference.Workflow, workflowName, StringComparison.Ordinal);
}
