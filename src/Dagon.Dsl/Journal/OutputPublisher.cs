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
            RemoveAbandonedPartials(target);
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

    /// <summary>A partial copy left by an engine that died mid-publish (its process is gone) is removed before publishing again.</summary>
    private static void RemoveAbandonedPartials(string target)
    {
        var folder = Path.GetDirectoryName(target)!;
        foreach (var partial in Directory.EnumerateFiles(folder, Path.GetFileName(target) + ".*" + PartialSuffix))
        {
            var pid = Path.GetFileName(partial)[(Path.GetFileName(target).Length + 1)..^PartialSuffix.Length];
            if (int.TryParse(pid, out var id) && id != Environment.ProcessId && !Directory.Exists($"/proc/{id}")) File.Delete(partial);
        }
    }
}
