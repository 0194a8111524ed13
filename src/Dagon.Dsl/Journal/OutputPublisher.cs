using Dagon.Places;
using Dagon.Staging;

namespace Dagon.Journal;

/// <summary>
/// Copies a task's declared outputs into its publish folder, keeping their paths relative to the work folder. Each
/// file is written under a temporary name in the target folder and renamed over the target when complete, so the
/// published name never holds a half-written file, even if the engine dies mid-copy.
/// </summary>
public static class OutputPublisher
{
    public const string PartialSuffix = ".dagon-partial";

    public static async Task<IReadOnlyList<string>> PublishAsync(IPlace place, TaskWorkspace workspace, IReadOnlyList<RecordedOutput> outputs,
        string folder, CancellationToken cancellationToken)
    {
        var published = new List<string>(outputs.Count);
        foreach (var output in outputs)
        {
            var target = Path.GetFullPath(Path.Combine(folder, output.Path));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var partial = $"{target}.{Environment.ProcessId}{PartialSuffix}";
            try
            {
                await place.DownloadAsync(workspace.WorkDir.TrimEnd('/') + "/" + output.Path, partial, cancellationToken).ConfigureAwait(false);
                using (var handle = File.OpenHandle(partial, FileMode.Open, FileAccess.ReadWrite)) RandomAccess.FlushToDisk(handle);
                File.Move(partial, target, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }

            published.Add(target);
        }

        return published;
    }
}
