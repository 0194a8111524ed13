using System.Text;
using System.Text.Json;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Scheduling;

namespace Dagon.Reporting;

/// <summary>
/// A workflow as JSON in the shape DagOnStar's <c>as_json</c> uses (name, id, tasks keyed by name with status,
/// working_dir, nexts, prevs, command and type), so existing tooling that reads it keeps working. Every run writes
/// it into its state folder, so it is streamed: a million-task run is written without a document tree in memory.
/// </summary>
public static class WorkflowJson
{
    // Commands are full of && and > : keep them readable; the output is a file, never embedded in HTML.
    private static readonly JsonWriterOptions Indented = new()
    {
        Indented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A finished run: one object per workflow (an array when the run held several).</summary>
    public static string Export(RunResult result)
    {
        using var stream = new MemoryStream();
        Write(stream, result);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes <see cref="Export"/>'s text to a file, replacing it.</summary>
    public static async Task WriteFileAsync(string path, RunResult result)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using var buffer = new BufferedStream(file, 1 << 16);
        Write(buffer, result);
    }

    private static void Write(Stream stream, RunResult result)
    {
        var results = result.Tasks.ToLookup(t => t.Task.Workflow);
        using var json = new Utf8JsonWriter(stream, Indented);
        var several = result.Plan.Workflows.Count != 1;
        if (several) json.WriteStartArray();
        foreach (var workflow in result.Plan.Workflows)
        {
            WriteWorkflow(json, workflow, result.Plan.RunId, results[workflow].ToDictionary(t => t.Task.Name, StringComparer.Ordinal));
            if (json.BytesPending > 1 << 16) json.Flush();
        }

        if (several) json.WriteEndArray();
    }

    private static void WriteWorkflow(Utf8JsonWriter json, WorkflowDefinition workflow, string id, Dictionary<string, TaskResult> results)
    {
        var prevs = workflow.Tasks.ToDictionary(t => t.Name, workflow.DependenciesOf, StringComparer.Ordinal);
        var nexts = workflow.Tasks.ToDictionary(t => t.Name, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var task in workflow.Tasks)
        {
            var dependencies = prevs[task.Name];
            for (var i = 0; i < dependencies.Count; i++) nexts[dependencies[i]].Add(task.Name);
        }

        json.WriteStartObject();
        json.WriteString(Names.Name, workflow.Name);
        json.WriteString(Names.Id, id);
        json.WriteStartObject(Names.Tasks);
        foreach (var task in workflow.Tasks)
        {
            WriteTask(json, task, results.GetValueOrDefault(task.Name), nexts[task.Name], prevs[task.Name]);
            if (json.BytesPending > 1 << 16) json.Flush();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteTask(Utf8JsonWriter json, TaskDefinition task, TaskResult? result, List<string> nexts, IReadOnlyList<string> prevs)
    {
        json.WriteStartObject(task.Name);
        json.WriteString(Names.Name, task.Name);
        json.WriteString(Names.Status, result is null ? Names.Ready : Status(result.Outcome.State));
        json.WriteString(Names.WorkingDir, result?.Workspace?.Root);
        TaskNames(json, Names.Nexts, nexts);
        TaskNames(json, Names.Prevs, prevs);
        json.WriteString(Names.Command, task.Command);
        json.WriteString(Names.Type, task.Kind == TaskKind.Batch ? Names.Batch : Names.Apptainer);
        // DagOnStar's tasks name the machine they run on; null is this machine.
        json.WriteString(Names.Host, task.Host);
        Attempts(json, result);
        json.WriteEndObject();
    }

    private static void TaskNames(Utf8JsonWriter json, JsonEncodedText property, IReadOnlyList<string> names)
    {
        json.WriteStartArray(property);
        for (var i = 0; i < names.Count; i++) json.WriteStringValue(names[i]); // no boxed enumerator per task
        json.WriteEndArray();
    }

    /// <summary>
    /// Dagon's own fields, after DagOnStar's: how many attempts ran (0 when reused or never started), whether
    /// --resume took an earlier run's result instead of running it, the kind of the final failure, and that of the
    /// last attempt that was retried.
    /// </summary>
    private static void Attempts(Utf8JsonWriter json, TaskResult? result)
    {
        json.WriteNumber(Names.Attempts, result?.Timings.Attempts ?? 0);
        json.WriteBoolean(Names.Reused, result?.Timings.ReusedFrom is not null);
        if (result is null) return;
        if (result.Outcome.Failure is { } failure) json.WriteString("failure", failure.Name());
        if (result.Timings.LastFailure is { } retried) json.WriteString("retried_after", retried.Name());
    }

    private static JsonEncodedText Status(TaskState state) => state switch
    {
        TaskState.Succeeded => Names.Finished,
        TaskState.Failed => Names.Failed,
        TaskState.Skipped => Names.Skipped,
        TaskState.Cancelled => Names.Cancelled,
        _ => Names.Ready,
    };

    /// <summary>Every name and fixed value written per task, encoded once instead of transcoded for each of them.</summary>
    private static class Names
    {
        public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
        public static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
        public static readonly JsonEncodedText Tasks = JsonEncodedText.Encode("tasks");
        public static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
        public static readonly JsonEncodedText WorkingDir = JsonEncodedText.Encode("working_dir");
        public static readonly JsonEncodedText Nexts = JsonEncodedText.Encode("nexts");
        public static readonly JsonEncodedText Prevs = JsonEncodedText.Encode("prevs");
        public static readonly JsonEncodedText Command = JsonEncodedText.Encode("command");
        public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
        public static readonly JsonEncodedText Host = JsonEncodedText.Encode("host");
        public static readonly JsonEncodedText Attempts = JsonEncodedText.Encode("attempts");
        public static readonly JsonEncodedText Reused = JsonEncodedText.Encode("reused");
        public static readonly JsonEncodedText Batch = JsonEncodedText.Encode("batch");
        public static readonly JsonEncodedText Apptainer = JsonEncodedText.Encode("apptainer");
        public static readonly JsonEncodedText Finished = JsonEncodedText.Encode("FINISHED");
        public static readonly JsonEncodedText Failed = JsonEncodedText.Encode("FAILED");
        public static readonly JsonEncodedText Skipped = JsonEncodedText.Encode("SKIPPED");
        public static readonly JsonEncodedText Cancelled = JsonEncodedText.Encode("CANCELLED");
        public static readonly JsonEncodedText Ready = JsonEncodedText.Encode("READY");
    }
}
