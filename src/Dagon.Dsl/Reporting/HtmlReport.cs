using System.Globalization;
using System.Net;
using System.Text;
using Dagon.Execution;
using Dagon.Observing;

namespace Dagon.Reporting;

/// <summary>
/// <c>--report FILE</c>: one self-contained HTML file written when the run ends: the DAG, a timeline of every task
/// split into its phases, exit codes, hosts, links to kept logs and the run's settings. Style, script and pictures are
/// inline, so the file opens anywhere, without network.
/// </summary>
public sealed class HtmlReport(string path) : IRunObserver
{
    private RunStart? _run;
    private string?[] _hosts = [];

    public void RunStarted(RunStart run)
    {
        _run = run;
        _hosts = new string?[run.Plan.Tasks.Count];
    }

    public void TaskStarted(TaskStart task) => _hosts[task.Task.Index] = task.Host;

    public void TaskFinished(TaskAttempt attempt)
    {
    }

    public void RunFinished(RunResult result)
    {
        if (_run is not { } run) return;
        File.WriteAllText(path, Render(result, run, _hosts), new UTF8Encoding(false));
    }

    public static string Render(RunResult result, RunStart run, IReadOnlyList<string?> hosts)
    {
        var workflows = WebUtility.HtmlEncode(string.Join(", ", result.Plan.Workflows.Select(w => w.Name)));
        var state = result.Succeeded ? "succeeded" : result.Cancelled ? "cancelled" : "failed";
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>Dagon run {workflows} ({run.Plan.RunId})</title>
            <style>{ReportPage.Style}</style></head>
            <body>
            <h1>Workflow {workflows}</h1>
            <p><span id="run-state" class="banner {state}">{state}</span>
             run {run.Plan.RunId}, started {TraceFile.Time(run.At)}, wall time {result.WallTime.TotalSeconds:F2} s</p>

            """);
        if (result.SetupError is { } error) html.Append($"<p id=\"setup-error\">{WebUtility.HtmlEncode(error)}</p>\n");
        html.Append("<ul id=\"counts\"></ul>\n<h2>Graph</h2>\n").Append(DagPicture.Draw(result));
        html.Append("""

            <h2>Timeline</h2>
            <p class="legend"><span class="phase-key" style="background:#9b7fd1"></span>image<span style="background:#e0a040"></span>overlay
            <span style="background:#4fa3c7"></span>staging<span style="background:#4caf50"></span>execution</p>
            <div id="timeline"></div>
            <h2>Tasks</h2>
            <table id="tasks"><thead><tr><th>task</th><th>state</th><th>exit</th><th>attempts</th><th>host</th><th>image s</th><th>overlay s</th>
            <th>staging s</th><th>execution s</th><th>total s</th><th>logs</th><th>reason</th></tr></thead><tbody id="task-rows"></tbody></table>
            <h2>Settings</h2>

            """);
        html.Append(Settings(run, result));
        html.Append("\n<script type=\"application/json\" id=\"dagon-data\">").Append(ReportData.Json(result, run.At, hosts)).Append("</script>\n");
        html.Append("<script>").Append(ReportPage.Script).Append("</script>\n</body></html>\n");
        return html.ToString();
    }

    private static string Settings(RunStart run, RunResult result)
    {
        var settings = run.Settings;
        (string Key, string? Value)[] rows =
        [
            ("workflows", string.Join(", ", result.Plan.Workflows.Select(w => w.Name))),
            ("tasks", result.Plan.Tasks.Count.ToString(CultureInfo.InvariantCulture)),
            ("max_parallelism", settings.EffectiveParallelism.ToString(CultureInfo.InvariantCulture)),
            ("tmp_dir", settings.ResolveTmpDir()),
            ("remove", settings.Remove?.ToString().ToLowerInvariant() ?? "per task"),
            ("image", settings.Image), ("json", settings.JsonPath), ("report", settings.ReportPath),
            ("trace", settings.TracePath), ("otlp", settings.OtlpEndpoint),
        ];
        var table = new StringBuilder("<table id=\"settings\"><tbody>");
        foreach (var (key, value) in rows)
        {
            table.Append(CultureInfo.InvariantCulture,
                $"<tr data-key=\"{key}\"><th>{key}</th><td>{WebUtility.HtmlEncode(string.IsNullOrEmpty(value) ? "-" : value)}</td></tr>");
        }

        return table.Append("</tbody></table>").ToString();
    }
}
