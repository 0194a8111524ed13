using Dagon.Places;
using Dagon.Rules;
using Dagon.Scheduling;
using Dagon.Staging;

namespace Dagon.Journal;

/// <summary>
/// Finds a finished task's declared outputs in its work folder, on whatever place it ran, with their checksums
/// and sizes (<see cref="IPlace.ListAsync"/>), and says which declaration found nothing.
/// </summary>
public static class DeclaredOutputs
{
    public sealed record Found(IReadOnlyList<RecordedOutput> Outputs, IReadOnlyList<string> Missing);

    public static async Task<Found> FindAsync(IPlace place, PlannedTask task, TaskWorkspace workspace, CancellationToken cancellationToken)
    {
        var outputs = new Dictionary<string, RecordedOutput>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var pattern in task.Definition.Outputs)
        {
            FileListing listing;
            try
            {
                listing = await place.ListAsync(workspace.WorkDir, [OutputPatterns.ListingRoot(pattern)], cancellationToken).ConfigureAwait(false);
            }
            catch (MissingPathException)
            {
                missing.Add(pattern);
                continue;
            }

            var matched = listing.Files.Where(f => OutputPatterns.Contains(pattern, f.RelativePath)).ToList();
            if (matched.Count == 0) missing.Add(pattern);
            foreach (var file in matched)
            {
                var path = OutputPatterns.Normalize(file.RelativePath);
                outputs[path] = new RecordedOutput(path, file.Size, file.Sha256);
            }
        }

        return new Found(outputs.Values.OrderBy(o => o.Path, StringComparer.Ordinal).ToList(), missing);
    }

    /// <summary>True when every recorded output is still in <paramref name="workDir"/> with its recorded checksum.</summary>
    public static async Task<bool> StillThereAsync(IPlace place, string workDir, IReadOnlyList<RecordedOutput> outputs, CancellationToken cancellationToken)
    {
        if ((await place.FindMissingAsync([workDir], cancellationToken).ConfigureAwait(false)).Count > 0) return false;
        if (outputs.Count == 0) return true;
        var paths = outputs.Select(o => o.Path).ToList();
        if ((await place.FindMissingAsync(paths.Select(p => workDir.TrimEnd('/') + "/" + p).ToList(), cancellationToken).ConfigureAwait(false)).Count > 0)
            return false;
        var measures = await place.MeasureAsync(workDir, paths, cancellationToken).ConfigureAwait(false);
        // Records made before sizes were kept for every place have none: their checksum alone decides.
        return measures.Zip(outputs).All(pair => (pair.Second.Size is null || pair.Second.Size == pair.First.Size) &&
                                                 string.Equals(pair.First.Sha256, pair.Second.Sha256, StringComparison.OrdinalIgnoreCase));
    }
}
