using System.Globalization;
using System.Text;
using Dagon.Execution;
using Dagon.Scheduling;

namespace Dagon.Reporting;

/// <summary>
/// The table printed at the end of a run: each task's state and where its time went. A large run gets counts per
/// state instead of the table (10,000 rows would push the failures out of the terminal); failures are always shown
/// in full, and the full table is in the --report and --trace files.
/// </summary>
public static class RunSummary
{
    /// <summary>Runs with more tasks than this get counts per state instead of a row per task.</summary>
    public const int FullTableLimit = 50;

    /// <summary>Skipped tasks named one by one, at most; the rest are counted.</summary>
    public const int NamedSkippedLimit = 20;

    public static string Format(RunResult result)
    {
        var text = new StringBuilder();
        text.AppendLine(new string('=', 60));
        text.AppendLine(result.Succeeded ? "Workflow completed successfully"
            : result.Cancelled ? "Workflow cancelled"
            : "Workflow FAILED");
        text.AppendLine(new string('=', 60));
        if (result.Tasks.Count <= FullTableLimit) Table(text, result.Tasks);
        else Counts(text, result.Tasks);

        foreach (var task in result.Tasks.Where(t => t.Outcome.State is TaskState.Failed))
        {
            var log = task.Timings.LogFile is { } file ? $" (log: {file})" : "";
            var attempts = task.Timings.Attempts > 1 ? $" after {task.Timings.Attempts} attempts" : "";
            // Named only for the kinds retry_on chooses by; an exit code or other failure says itself in the reason.
            var kind = task.Outcome.Failure is { } failure and not (FailureKind.ExitCode or FailureKind.Other) ? $" ({failure.Name()})" : "";
            text.AppendLine(CultureInfo.InvariantCulture, $"Task '{task.Task.DisplayName}' failed{kind}{attempts}: {task.Outcome.Reason}{log}");
            foreach (var line in task.Outcome.ErrorTail ?? []) text.AppendLine(CultureInfo.InvariantCulture, $"    {line}");
        }

        var reused = result.Tasks.Where(t => t.Timings.ReusedFrom is not null).Select(t => t.Task.DisplayName).ToList();
        if (reused.Count > 0) text.AppendLine(CultureInfo.InvariantCulture, $"Reused (not run again): {string.Join(", ", reused)}");
        var retried = result.Tasks.Where(t => t.Timings.Attempts > 1).Select(Retried).ToList();
        if (retried.Count > 0) text.AppendLine(CultureInfo.InvariantCulture, $"Retried: {string.Join(", ", retried)}");
        var skipped = result.Tasks.Where(t => t.Outcome.State == TaskState.Skipped).Select(t => t.Task.DisplayName).ToList();
        if (skipped.Count > 0) text.AppendLine(CultureInfo.InvariantCulture, $"Skipped (not run): {Names(skipped)}");
        if (result.SetupError is not null) text.AppendLine(result.SetupError);
        text.AppendLine(CultureInfo.InvariantCulture, $"Total wall time: {result.WallTime.TotalSeconds:F2} s");
        return text.ToString();
    }

    /// <summary><c>B (2 attempts; attempt 1: out-of-memory)</c>: how often, and what the last retried attempt died of.</summary>
    private static string Retried(TaskResult task)
    {
        var attempts = task.Timings.Attempts;
        var last = task.Timings.LastFailure is { } failure ? $"; attempt {attempts - 1}: {failure.Name()}" : "";
        return $"{task.Task.DisplayName} ({attempts} attempts{last})";
    }

    private static void Table(StringBuilder text, IReadOnlyList<TaskResult> tasks)
    {
        var width = Math.Max(4, tasks.Count == 0 ? 0 : tasks.Max(t => t.Task.DisplayName.Length));
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{"task".PadRight(width)}  {"state",-9}  {"image",7}  {"overlay",7}  {"staging",7}  {"exec",7}  {"total",7}");
        foreach (var task in tasks)
        {
            var t = task.Timings;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{task.Task.DisplayName.PadRight(width)}  {task.Outcome.State.ToString().ToLowerInvariant(),-9}  " +
                $"{Seconds(t.ImagePreparation)}  {Seconds(t.Overlay)}  {Seconds(t.Staging)}  {Seconds(t.Execution)}  {Seconds(t.Total)}");
        }
    }

    /// <summary>One line per state, in the order a reader looks for them, with the time the tasks of that state took.</summary>
    private static void Counts(StringBuilder text, IReadOnlyList<TaskResult> tasks)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"{tasks.Count} tasks (one row per task: see --report or --trace)");
        foreach (var state in tasks.GroupBy(t => t.Outcome.State).OrderBy(g => Order(g.Key)))
        {
            var total = state.Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Timings.Total);
            var longest = state.MaxBy(t => t.Timings.Total)!;
            var longestText = longest.Timings.Total > TimeSpan.Zero
                ? string.Create(CultureInfo.InvariantCulture, $"  longest {longest.Task.DisplayName} ({longest.Timings.Total.TotalSeconds:F2} s)")
                : "";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {state.Key.ToString().ToLowerInvariant(),-9}  {state.Count(),7}  task time {total.TotalSeconds,10:F2} s{longestText}");
        }
    }

    private static int Order(TaskState state) => state switch
    {
        TaskState.Failed => 0,
        TaskState.Cancelled => 1,
        TaskState.Skipped => 2,
        _ => 3,
    };

    private static string Names(List<string> names) => names.Count <= NamedSkippedLimit
        ? string.Join(", ", names)
        : $"{string.Join(", ", names.Take(NamedSkippedLimit))} and {names.Count - NamedSkippedLimit} more";

    private static string Seconds(TimeSpan time) =>
        time == TimeSpan.Zero ? "      -" : (time.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + "s").PadLeft(7);
}
