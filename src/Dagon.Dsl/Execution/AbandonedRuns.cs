using Dagon.LocalFiles;
using Microsoft.Extensions.Logging;

namespace Dagon.Execution;

/// <summary>
/// Run folders on this machine carry an owner mark (<c>.owner</c>: the engine's process id and start time) while
/// their run is going. An engine that died without cleaning up (SIGKILL, a power cut) leaves its mark behind; the
/// next run that uses the same parent folder removes such folders. A folder whose engine still runs is never
/// touched, and a folder kept on purpose (<c>remove = false</c>) has its mark taken away when its run ends.
/// </summary>
internal sealed class AbandonedRuns(ILogger logger)
{
    /// <summary>A run folder holding results the journal recorded: kept for <c>--resume</c>, never swept.</summary>
    public const string ResumableMark = ".resumable";

    /// <summary>Marks <paramref name="runFolder"/> as this engine's, then sweeps its parent for runs whose engine is gone.</summary>
    public void Claim(string runFolder)
    {
        OwnerMark.Claim(runFolder);
        var parent = Path.GetDirectoryName(runFolder);
        if (parent is null) return;
        foreach (var folder in Directory.EnumerateDirectories(parent, "dagon-*"))
        {
            if (folder == runFolder || File.Exists(Path.Combine(folder, ResumableMark)) || OwnerMark.Read(folder) is not { IsAlive: false } owner) continue;
            try
            {
                Directory.Delete(folder, recursive: true);
                logger.LogWarning("Removed the folder of an abandoned run: {Folder} (its engine, process {Pid}, is gone)", folder, owner.Pid);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Could not remove the folder of an abandoned run {Folder}: {Reason}", folder, exception.Message);
            }
        }
    }

    /// <summary>A run folder kept after its run is the user's now: no longer a run in progress.</summary>
    public static void Release(string runFolder) => OwnerMark.Release(runFolder);
}
