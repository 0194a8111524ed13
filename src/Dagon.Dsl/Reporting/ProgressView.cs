using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Dagon.Reporting;

/// <summary>
/// The rich progress display: a line of counts and a table of the running tasks (longest running first), with host
/// and elapsed time. Only the first rows are listed: thousands of running tasks would not fit a terminal.
/// </summary>
public static class ProgressView
{
    public const int MaxRows = 12;

    public static IRenderable Render(ProgressSnapshot progress, DateTimeOffset now)
    {
        var counts = new Markup(string.Create(CultureInfo.InvariantCulture,
            $"[green]done {progress.Done}[/]  [blue]running {progress.Running.Count}[/]  queued {progress.Queued}  " +
            $"[red]failed {progress.Failed}[/]  of {progress.Total}"));
        if (progress.Running.Count == 0) return counts;

        var table = new Table().Border(TableBorder.Simple).AddColumn("task").AddColumn("host").AddColumn(new TableColumn("elapsed").RightAligned());
        foreach (var task in progress.Running.Take(MaxRows))
        {
            table.AddRow(Markup.Escape(task.Name), Markup.Escape(task.Host), Elapsed(now - task.Since));
        }

        if (progress.Running.Count > MaxRows) table.AddRow($"… {progress.Running.Count - MaxRows} more", "", "");
        return new Rows(counts, table);
    }

    public static string Elapsed(TimeSpan time) => time < TimeSpan.Zero ? "0:00"
        : time.TotalHours >= 1 ? time.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : time.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
