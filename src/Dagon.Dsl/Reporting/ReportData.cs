using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dagon.Execution;
using Dagon.Observing;
using Dagon.Scheduling;

namespace Dagon.Reporting;

/// <summary>
/// The run as the report's inline script reads it: one JSON object per task with its state, exit code, attempts,
/// host, times in milliseconds from the run's start, the four phases, and links to its logs when they are on this
/// machine.
/// </summary>
public static class ReportData
{
    // The default encoder escapes '<', '>' and '&', so the JSON can sit inside a <script> element as it is.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.Default };

    public static string Json(RunResult result, DateTimeOffset runStart, IReadOnlyList<string?> hosts)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, Options))
        {
            json.WriteStartObject();
            json.WriteString("runId", result.Plan.RunId);
            json.WriteString("state", result.Succeeded ? "succeeded" : result.Cancelled ? "cancelled" : "failed");
            json.WriteNumber("wallMs", Math.Round(result.WallTime.TotalMilliseconds, 1));
            if (result.SetupError is { } error) json.WriteString("setupError", error);
            json.WriteStartArray("tasks");
            foreach (var task in result.Tasks) Task(json, task, runStart, hosts[task.Task.Index]);
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Task(Utf8JsonWriter json, TaskResult task, DateTimeOffset runStart, string? host)
    {
        var t = task.Timings;
        json.WriteStartObject();
        json.WriteString("name", task.Task.DisplayName);
        json.WriteString("hash", TaskFingerprint.Of(task.Task.Definition));
        json.WriteString("state", task.Outcome.State.ToString().ToLowerInvariant());
        if (task.Outcome.ExitCode is { } exit) json.WriteNumber("exit", exit);
        else json.WriteNull("exit");
        json.WriteString("host", host ?? "");
        Attempts(json, task);
        if (task.Outcome.Reason is { } reason) json.WriteString("reason", reason);
        json.WriteStartArray("errorTail");
        foreach (var line in task.Outcome.ErrorTail ?? []) json.WriteStringValue(line);
        json.WriteEndArray();
        Offset(json, "submit", t.Submitted, runStart);
        Offset(json, "start", t.Started, runStart);
        Offset(json, "end", t.Ended, runStart);
        json.WriteStartObject("phases");
        json.WriteNumber("image", Ms(t.ImagePreparation));
        json.WriteNumber("overlay", Ms(t.Overlay));
        json.WriteNumber("staging", Ms(t.Staging));
        json.WriteNumber("execution", Ms(t.Execution));
        json.WriteNumber("total", Ms(t.Total));
        json.WriteEndObject();
        Logs(json, task, host);
        json.WriteEndObject();
    }

    /// <summary>How many times the task ran, what ended the last retried attempt, and whether --resume reused it.</summary>
    private static void Attempts(Utf8JsonWriter json, TaskResult task)
    {
        json.WriteNumber("attempts", task.Timings.Attempts);
        if (task.Timings.LastFailure is { } retried) json.WriteString("retriedAfter", retried.Name());
        if (task.Outcome.Failure is { } failure) json.WriteString("failure", failure.Name());
        json.WriteBoolean("reused", task.Timings.ReusedFrom is not null);
    }

    /// <summary>
    /// Links only to logs that exist here: the copies kept in the state folder (which outlive a removed work folder,
    /// and hold a remote task's logs too), else the work folder's own on this machine.
    /// </summary>
    private static void Logs(Utf8JsonWriter json, TaskResult task, string? host)
    {
        json.WriteStartObject("logs");
        if (task.Timings.LogFile is { } kept && File.Exists(kept))
        {
            var stdout = Path.ChangeExtension(kept, ".out");
            if (File.Exists(stdout)) json.WriteString("stdout", new Uri(stdout).AbsoluteUri);
            json.WriteString("stderr", new Uri(kept).AbsoluteUri);
        }
        else if (task.Workspace is { } workspace && host is null or TaskAttempt.ThisMachine)
        {
            if (File.Exists(workspace.StdoutPath)) json.WriteString("stdout", new Uri(workspace.StdoutPath).AbsoluteUri);
            if (File.Exists(workspace.StderrPath)) json.WriteString("stderr", new Uri(workspace.StderrPath).AbsoluteUri);
        }

        json.WriteEndObject();
    }

    private static void Offset(Utf8JsonWriter json, string name, DateTimeOffset? time, DateTimeOffset runStart)
    {
        if (time is { } at) json.WriteNumber(name, Ms(at - runStart));
        else json.WriteNull(name);
    }

    private static double Ms(TimeSpan time) => Math.Round(time.TotalMilliseconds, 1);
}
