using Dagon.Containers;
using Dagon.Images;
using Dagon.Model;
using Dagon.Places;
using Dagon.Scheduling;
using Microsoft.Extensions.Options;

namespace Dagon.Execution;

/// <summary>
/// <c>--dry-run</c>: everything <see cref="RunPreparation"/> would find wrong, found without changing anything. Each
/// place is reached (an SSH host with its key trusted) and asked for Apptainer, shells and bind sources; each image
/// is put to the image policy a real run follows, with the same place, cache, library folders and pull policy, and
/// reported as what the run would do with it. No work folder is created, no image built, pulled or recorded, no task started.
/// </summary>
public sealed class RunPreflight(PlaceDirectory places, ImageCache localImages, HostImageCache hostImages, IOptions<ApptainerOptions> apptainer)
{
    private readonly ImageAvailability _images = new(localImages, hostImages, apptainer.Value);

    public async Task<PreflightReport> CheckAsync(ExecutionPlan plan, CancellationToken cancellationToken)
    {
        var report = new PreflightReport();
        foreach (var group in plan.Tasks.GroupBy(t => t.Definition.Host))
        {
            var place = await CheckPlaceAsync(report, group.Key, group.ToList(), cancellationToken).ConfigureAwait(false);
            if (place is null) continue;
            foreach (var image in group.Where(t => t.Image is not null).GroupBy(t => t.Image!))
            {
                // The real run's policy for the image: the strictest Pull among its tasks on this place (RunPreparation).
                var pull = PullPolicies.ForImage(image.Select(t => t.Definition.Pull), apptainer.Value.Pull);
                var (problem, found) = await _images.CheckAsync(image.Key, place, pull, cancellationToken).ConfigureAwait(false);
                var subject = $"image {image.Key.Reference} (for {string.Join(", ", image.Select(t => t.DisplayName))}) on {place.Description}";
                if (problem is null) report.Pass($"{subject}: {found}");
                else report.Fail($"{subject}: {problem}");
            }
        }

        return report;
    }

    /// <summary>The place, reached and probed, or null when it cannot be (the report says why).</summary>
    private async Task<IPlace?> CheckPlaceAsync(PreflightReport report, string? host, List<PlannedTask> tasks, CancellationToken cancellationToken)
    {
        try
        {
            var place = places.For(host);
            var info = await place.ProbeAsync(cancellationToken).ConfigureAwait(false);
            report.Pass($"{place.Description}: reached, as user {info.User}");
            if (tasks.Any(t => t.Definition.Kind == TaskKind.Apptainer)) await CheckApptainerAsync(report, place, cancellationToken).ConfigureAwait(false);
            await CheckPathsAsync(report, place, tasks, cancellationToken).ConfigureAwait(false);
            return place;
        }
        catch (PlaceUnavailableException exception)
        {
            report.Fail($"{(host is null ? "this machine" : $"host '{host}'")} (for {string.Join(", ", tasks.Select(t => t.DisplayName))}): {exception.Message}");
            return null;
        }
    }

    private async Task CheckApptainerAsync(PreflightReport report, IPlace place, CancellationToken cancellationToken)
    {
        var command = place.Settings.Apptainer ?? apptainer.Value.Executable;
        var path = await place.LocateAsync(command, cancellationToken).ConfigureAwait(false);
        if (path is not null) report.Pass($"{place.Description}: Apptainer at {path}");
        else if (place.Host is null) report.Fail(ApptainerNotFoundException.OnThisMachine(command).Message);
        else report.Fail(ApptainerNotFoundException.OnHost(command, place.Description).Message);
    }

    private static async Task CheckPathsAsync(PreflightReport report, IPlace place, List<PlannedTask> tasks, CancellationToken cancellationToken)
    {
        var needed = new List<(string Path, string What)>();
        foreach (var task in tasks)
        {
            if (task.Definition.Kind == TaskKind.Batch) needed.Add((task.Definition.Shell ?? TaskCommands.DefaultBatchShell, $"shell of {task.DisplayName}"));
            foreach (var bind in task.Definition.BindPaths) needed.Add((bind.Source, $"bind source of {task.DisplayName} ('{bind}')"));
        }

        if (needed.Count == 0) return;
        var missing = (await place.FindMissingAsync(needed.Select(n => n.Path).Distinct().ToList(), cancellationToken).ConfigureAwait(false))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var (path, what) in needed)
        {
            if (missing.Contains(path)) report.Fail($"{what}: '{path}' does not exist on {place.Description}");
            else report.Pass($"{what}: '{path}' exists on {place.Description}");
        }
    }
}
