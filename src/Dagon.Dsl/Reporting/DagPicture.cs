using System.Globalization;
using System.Net;
using System.Text;
using Dagon.Execution;
using Dagon.Scheduling;

namespace Dagon.Reporting;

/// <summary>
/// The DAG as a layered SVG drawn here, with no layout library: a task's layer is the length of the longest chain of
/// producers before it, and tasks of a layer are stacked in plan order. Boxes are coloured by the task's end state.
/// </summary>
public static class DagPicture
{
    /// <summary>Beyond this many tasks a picture is unreadable; the report says so instead.</summary>
    public const int MaxTasks = 400;

    private const int ColumnWidth = 190, BoxWidth = 150, RowHeight = 44, BoxHeight = 30, Margin = 10;

    public static string Draw(RunResult result)
    {
        var tasks = result.Plan.Tasks;
        if (tasks.Count > MaxTasks)
        {
            return $"<p class=\"dag-too-large\">{tasks.Count} tasks: too many to draw; the timeline and the table list them all.</p>";
        }

        var layers = Layers(tasks);
        var rows = new int[tasks.Count];
        var perLayer = new int[tasks.Count == 0 ? 1 : layers.Max() + 1];
        foreach (var task in tasks) rows[task.Index] = perLayer[layers[task.Index]]++;
        var width = perLayer.Length * ColumnWidth + 2 * Margin;
        var height = Math.Max(1, perLayer.Max()) * RowHeight + 2 * Margin;

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg id=\"dag\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">" +
                   "<path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>");
        foreach (var task in tasks)
        {
            foreach (var producer in task.Dependencies)
            {
                var (x1, y1) = Position(layers[producer.Index], rows[producer.Index]);
                var (x2, y2) = Position(layers[task.Index], rows[task.Index]);
                svg.Append(CultureInfo.InvariantCulture,
                    $"<line class=\"edge\" x1=\"{x1 + BoxWidth}\" y1=\"{y1 + BoxHeight / 2}\" x2=\"{x2}\" y2=\"{y2 + BoxHeight / 2}\" marker-end=\"url(#arrow)\"/>");
            }
        }

        foreach (var task in result.Tasks)
        {
            var (x, y) = Position(layers[task.Task.Index], rows[task.Task.Index]);
            var name = WebUtility.HtmlEncode(task.Task.DisplayName);
            var state = task.Outcome.State.ToString().ToLowerInvariant();
            svg.Append(CultureInfo.InvariantCulture,
                $"<g class=\"node {state}\" data-task=\"{name}\"><title>{name}: {state}</title>" +
                $"<rect x=\"{x}\" y=\"{y}\" width=\"{BoxWidth}\" height=\"{BoxHeight}\" rx=\"5\"/>" +
                $"<text x=\"{x + BoxWidth / 2}\" y=\"{y + BoxHeight / 2 + 4}\">{WebUtility.HtmlEncode(Shorten(task.Task.DisplayName))}</text></g>");
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>Longest chain of producers before each task; plan order is topological, so one pass suffices.</summary>
    public static int[] Layers(IReadOnlyList<PlannedTask> tasks)
    {
        var layers = new int[tasks.Count];
        foreach (var task in TopologicalOrder(tasks))
        {
            foreach (var producer in task.Dependencies) layers[task.Index] = Math.Max(layers[task.Index], layers[producer.Index] + 1);
        }

        return layers;
    }

    // Kahn's algorithm, so the picture does not depend on the plan listing producers first.
    private static IEnumerable<PlannedTask> TopologicalOrder(IReadOnlyList<PlannedTask> tasks)
    {
        var waiting = tasks.Select(t => t.Dependencies.Count).ToArray();
        var ready = new Queue<PlannedTask>(tasks.Where(t => t.Dependencies.Count == 0));
        while (ready.TryDequeue(out var task))
        {
            yield return task;
            foreach (var dependent in task.Dependents)
            {
                if (--waiting[dependent.Index] == 0) ready.Enqueue(dependent);
            }
        }
    }

    private static (int X, int Y) Position(int layer, int row) => (Margin + layer * ColumnWidth, Margin + row * RowHeight);

    private static string Shorten(string name) => name.Length <= 22 ? name : name[..21] + "…";
}
