using System.Text.Json;
using System.Text.Json.Nodes;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Scheduling;

namespace Dagon.Reporting;

/// <summary>
/// A workflow as JSON in the shape DagOnStar's <c>as_json</c> uses (name, id, tasks keyed by name with status,
/// working_dir, nexts, prevs, command and type), so existing tooling that reads it keeps working.
/// </summary>
public static class WorkflowJson
{
    // Commands are full of && and > : keep them readable; the output is a file, never embedded in HTML.
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A finished run: one object per workflow (an array when the run held several).</summary>
    public static string Export(RunResult result)
    {
        var documents = result.Plan.Workflows.Select(workflow => Build(workflow, result.Plan.RunId,
            result.Tasks.Where(t => t.Task.Workflow == workflow).ToDictionary(
                t => t.Task.Name,
                t => t,
                StringComparer.Ordinal))).ToList();
        return (documents.Count == 1 ? (JsonNode)documents[0] : new JsonArray([.. documents])).ToJsonString(Indented);
    }

    private static JsonObject Build(WorkflowDefinition workflow, string id, IReadOnlyDictionary<string, TaskResult> results)
    {
        var dependents = workflow.Tasks.ToDictionary(t => t.Name, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var task in workflow.Tasks)
        {
            foreach (var dependency in workflow.DependenciesOf(task)) dependents[dependency].Add(task.Name);
        }

        var tasks = new JsonObject();
        foreach (var task in workflow.Tasks)
        {
            var result = results.GetValueOrDefault(task.Name);
            var (status, workDir) = result is null ? ("READY", null) : (Status(result.Outcome.State), result.Workspace?.Root);
            var entry = new JsonObject
            {
                ["name"] = task.Name,
                ["status"] = status,
                ["working_dir"] = workDir,
                ["nexts"] = new JsonArray([.. dependents[task.Name].Select(n => (JsonNode)n)]),
                ["prevs"] = new JsonArray([.. workflow.DependenciesOf(task).Select(n => (JsonNode)n)]),
                ["command"] = task.Command,
                ["type"] = task.Kind.ToString().ToLowerInvariant(),
                // DagOnStar's tasks name the machine they run on; null is this machine.
                ["host"] = task.Host,
            };
            AddAttempts(entry, result);
            tasks[task.Name] = entry;
        }

        return new JsonObject { ["name"] = workflow.Name, ["id"] = id, ["tasks"] = tasks };
    }

    /// <summary>
    /// Dagon's own fields, after DagOnStar's: how many attempts ran (0 when reused or never started), whether
    /// --resume took an earlier run's result instead of running it, the kind of the final failure, and that of the
    /// last attempt that was retried.
    /// </summary>
    private static void AddAttempts(JsonObject entry, TaskResult? result)
    {
        entry["attempts"] = result?.Timings.Attempts ?? 0;
        entry["reused"] = result?.Timings.ReusedFrom is not null;
        if (result is null) return;
        if (result.Outcome.Failure is { } failure) entry["failure"] = failure.Name();
        if (result.Timings.LastFailure is { } retried) entry["retried_after"] = retried.Name();
    }

    private static string Status(TaskState state) => state switch
    {
        TaskState.Succeeded => "FINISHED",
        TaskState.Failed => "FAILED",
        TaskState.Skipped => "SKIPPED",
        TaskState.Cancelled => "CANCELLED",
        _ => "READY",
    };
}
