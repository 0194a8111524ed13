using Dagon.Rules;

namespace Dagon.Model;

/// <summary>Rejects workflows that cannot run, before anything runs. Every message names the task and the cause.</summary>
internal static class WorkflowValidator
{
    public static List<string> Validate(string workflow, string? defaultImage, string baseDirectory, IReadOnlyList<TaskDefinition> tasks)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(workflow)) errors.Add("The workflow has no name");
        else if (!NameRules.IsReferenceableName(workflow))
        {
            errors.Add($"Workflow '{Printable.Escape(workflow)}' has a name that cannot be used: {NameRules.Requirement}");
        }

        if (tasks.Count == 0) errors.Add($"Workflow '{Printable.Escape(workflow)}' has no tasks");

        var names = new Dictionary<string, int>(tasks.Count, StringComparer.Ordinal);
        foreach (var task in tasks) names[task.Name] = names.GetValueOrDefault(task.Name) + 1;
        foreach (var task in tasks)
        {
            if (names[task.Name] is var count and > 1)
            {
                errors.Add($"Duplicate task name '{Printable.Escape(task.Name)}' (declared {count} times)");
                names[task.Name] = -count; // report each name once
            }
        }

        foreach (var task in tasks)
        {
            ValidateTask(workflow, defaultImage, baseDirectory, task, names, errors);
        }

        // Cycles only make sense once every edge points at a real task (and names are unique). On an acyclic graph
        // the search costs one topological sort.
        if (errors.Count == 0)
        {
            foreach (var cycle in Graph(workflow, tasks).DistinctCycles())
            {
                errors.Add($"Dependency cycle: {string.Join(" -> ", cycle.Select(i => tasks[i].Name))}");
            }
        }

        return errors;
    }

    /// <summary>The workflow's edges on task indices (declaration order), each task's edges computed once.</summary>
    private static Dag Graph(string workflow, IReadOnlyList<TaskDefinition> tasks)
    {
        var index = new Dictionary<string, int>(tasks.Count, StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++) index[tasks[i].Name] = i;
        var dependencies = new int[tasks.Count][];
        for (var i = 0; i < tasks.Count; i++)
        {
            var names = WorkflowEdges.Of(workflow, tasks[i]);
            var edges = names.Count == 0 ? [] : new int[names.Count];
            for (var j = 0; j < edges.Length; j++) edges[j] = index[names[j]];
            dependencies[i] = edges;
        }

        return new Dag(dependencies);
    }

    private static void ValidateTask(string workflow, string? defaultImage, string baseDirectory, TaskDefinition task,
        Dictionary<string, int> names, List<string> errors)
    {
        var label = $"Task '{Printable.Escape(task.Name)}'";
        if (string.IsNullOrWhiteSpace(task.Name)) errors.Add("A task has an empty name");
        else if (!NameRules.IsReferenceableName(task.Name)) errors.Add($"{label} has a name that cannot be used: {NameRules.Requirement}");
        if (string.IsNullOrWhiteSpace(task.Command)) errors.Add($"{label} has an empty command");
        if (task.Overlay == OverlayMode.Image && OverlayRules.Check(task.OverlaySizeMb) is { } overlayError)
        {
            errors.Add($"{label} has overlay size {task.OverlaySizeMb} MB; {overlayError}");
        }

        foreach (var name in task.Environment.Keys)
        {
            if (!IsEnvironmentName(name)) errors.Add($"{label} sets environment variable '{name}', which is not a valid name ([A-Za-z_][A-Za-z0-9_]*)");
        }

        foreach (var output in task.Outputs)
        {
            if (OutputPatterns.Problem(output) is { } outputError) errors.Add($"{label}: {outputError}");
        }

        if (task.Retries is < 0) errors.Add($"{label} has {task.Retries} retries; it must be 0 or more");
        foreach (var code in task.RetryOnExitCodes)
        {
            if (RetryRules.CheckExitCode(code) is { } codeError) errors.Add($"{label} retries on exit code {code}; {codeError}");
        }

        if (RetryRules.CheckKinds((int)task.RetryOn) is { } kindError) errors.Add($"{label} retries on {kindError}");

        if (task.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            errors.Add($"{label} has a timeout of {timeout}; it must be positive");
        }

        ValidateKind(workflow, defaultImage, baseDirectory, task, label, errors);
        ContainerSettingsValidation.Validate(task, label, errors);
        ValidateEdges(workflow, task, label, names, errors);
    }

    /// <summary>A container task needs a well-formed image; a batch task, which runs on the host, takes none.</summary>
    private static void ValidateKind(string workflow, string? defaultImage, string baseDirectory, TaskDefinition task, string label,
        List<string> errors)
    {
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
    }

    /// <summary>Every dependency and same-workflow reference names another task of the workflow.</summary>
    private static void ValidateEdges(string workflow, TaskDefinition task, string label, Dictionary<string, int> names, List<string> errors)
    {
        foreach (var dependency in task.DependsOn)
        {
            if (dependency == task.Name) errors.Add($"{label} depends on itself");
            else if (!names.ContainsKey(dependency)) errors.Add($"{label} depends on unknown task '{dependency}'");
        }

        // Most commands hold no reference at all: they are not parsed (nor a list made for malformed ones).
        if (task.Command is null || !task.Command.Contains(WorkflowReference.Scheme, StringComparison.Ordinal)) return;
        var malformed = new List<MalformedReference>();
        var references = WorkflowReferenceParser.Parse(task.Command, malformed);
        foreach (var bad in malformed)
        {
            errors.Add(bad.Reason is { } reason
                ? $"{label} has a reference '{Printable.Escape(bad.Text)}' that cannot be used: {reason}"
                : $"{label} has a malformed reference '{Printable.Escape(bad.Text)}' (expected workflow:///Task/path or workflow://Workflow/Task/path)");
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
}
