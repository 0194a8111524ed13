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
                t => new TaskEntry(Status(t.Outcome.State), t.Workspace?.Root, t.Timings.Attempts, t.Timings.ReusedFrom is not null),
                StringComparer.Ordinal))).ToList();
        return (documents.Count == 1 ? (JsonNode)documents[0] : new JsonArray([.. documents])).ToJsonString(Indented);
    }

    private static JsonObject Build(WorkflowDefinition workflow, string id, IReadOnlyDictionary<string, TaskEntry> states)
    {
        var dependents = workflow.Tasks.ToDictionary(t => t.Name, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var task in workflow.Tasks)
        {
            foreach (var dependency in workflow.DependenciesOf(task)) dependents[dependency].Add(task.Name);
        }

        var tasks = new JsonObject();
        foreach (var task in workflow.Tasks)
        {
            var state = states.GetValueOrDefault(task.Name) ?? new TaskEntry("READY", null, 0, false);
            tasks[task.Name] = new JsonObject
            {
                ["name"] = task.Name,
                ["status"] = state.Status,
                ["working_dir"] = state.WorkDir,
                ["nexts"] = new JsonArray([.. dependents[task.Name].Select(n => (JsonNode)n)]),
                ["prevs"] = new JsonArray([.. workflow.DependenciesOf(task).Select(n => (JsonNode)n)]),
                ["command"] = task.Command,
                ["type"] = task.Kind.ToString().ToLowerInvariant(),
                // DagOnStar's tasks name the machine they run on; null is this machine.
                ["host"] = task.Host,
                // How many times the task ran this run (retries add to it; 0 when reused or never started), and
                // whether --resume took an earlier run's result instead of running it.
                ["attempts"] = state.Attempts,
                ["reused"] = state.Reused,
            };
        }

        return new JsonObject { ["name"] = workflow.Name, ["id"] = id, ["tasks"] = tasks };
    }

    private sealed record TaskEntry(string Status, string? WorkDir, int Attempts, bool Reused);

    private static string Status(TaskState state) => state switch
    {
        TaskState.Succeeded => "FINISHED",
        TaskState.Failed => "FAILED",
        TaskState.Skipped => "SKIPPED",
        TaskState.Cancelled => "CANCELLED",
        _ => "READY",
    };
}
