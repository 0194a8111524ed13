using System.Globalization;
using System.Text;
using Dagon.Execution;
using Dagon.Scheduling;

namespace Dagon.Reporting;

/// <summary>The table printed at the end of a run: each task's state and where its time went.</summary>
public static class RunSummary
{
    public static string Format(RunResult result)
    {
        var text = new StringBuilder();
        var width = Math.Max(4, result.Tasks.Max(t => t.Task.DisplayName.Length));
        text.AppendLine(new string('=', 60));
        text.AppendLine(result.Succeeded ? "Workflow completed successfully"
            : result.Cancelled ? "Workflow cancelled"
            : "Workflow FAILED");
        text.AppendLine(new string('=', 60));
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{"task".PadRight(width)}  {"state",-9}  {"image",7}  {"overlay",7}  {"staging",7}  {"exec",7}  {"total",7}");
        foreach (var task in result.Tasks)
        {
            var t = task.Timings;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{task.Task.DisplayName.PadRight(width)}  {task.Outcome.State.ToString().ToLowerInvariant(),-9}  " +
                $"{Seconds(t.ImagePreparation)}  {Seconds(t.Overlay)}  {Seconds(t.Staging)}  {Seconds(t.Execution)}  {Seconds(t.Total)}");
        }

        foreach (var task in result.Tasks.Where(t => t.Outcome.State is TaskState.Failed))
        {
            var log = task.Timings.LogFile is { } file ? $" (log: {file})" : "";
            text.AppendLine(CultureInfo.InvariantCulture, $"Task '{task.Task.DisplayName}' failed: {task.Outcome.Reason}{log}");
            foreach (var line in task.Outcome.ErrorTail ?? []) text.AppendLine(CultureInfo.InvariantCulture, $"    {line}");
        }

        var reused = result.Tasks.Where(t => t.Timings.ReusedFrom is not null).Select(t => t.Task.DisplayName).ToList();
        if (reused.Count > 0) text.AppendLine(CultureInfo.InvariantCulture, $"Reused (not run again): {string.Join(", ", reused)}");
        var retried = result.Tasks.Where(t => t.Timings.Attempts > 1).Select(t => $"{t.Task.DisplayName} ({t.Timings.Attempts} attempts)").ToList();
        if (retried.Count > 0) text.AppendLine(CultureInfo.InvariantCulture, $"Retried: {string.Join(", ", retried)}");
        var skipped = result.Tasks.Where(t => t.Outcome.State == TaskState.Skipped).Select(t => t.Task.DisplayName).ToList();
        if (skipped.Count > 0) text.AppendLine(CultureInfo.InvariantCulture, $"Skipped (not run): {string.Join(", ", skipped)}");
        if (result.SetupError is not null) text.AppendLine(result.SetupError);
        text.AppendLine(CultureInfo.InvariantCulture, $"Total wall time: {result.WallTime.TotalSeconds:F2} s");
        return text.ToString();
    }

    private static string Seconds(TimeSpan time) =>
        time == TimeSpan.Zero ? "      -" : (time.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + "s").PadLeft(7);
}
