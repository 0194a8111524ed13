using Dagon.LocalFiles;
using Microsoft.Extensions.Logging;

namespace Dagon.Images;

/// <summary>What image builds of an engine that was killed leave in the cache folder, and its removal.</summary>
internal static class AbandonedBuilds
{
    /// <summary>
    /// Half-made images and build scratch carry the id of the process that makes them (<c>.NAME.PID.GUID.partial</c>,
    /// <c>.build-PID-GUID</c>); those of a process that no longer runs were abandoned (the engine was killed) and go.
    /// </summary>
    public static void Sweep(string directory, ILogger logger)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory, ".*"))
        {
            if (OwnerOf(Path.GetFileName(entry)) is not { } pid || ProcessIdentity.IsRunning(pid)) continue;
            try
            {
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
                logger.LogWarning("Removed {Entry}, left by an image build whose engine (process {Pid}) is gone", entry, pid);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Could not remove {Entry}, left by an abandoned image build: {Reason}", entry, exception.Message);
            }
        }
    }

    private static int? OwnerOf(string name)
    {
        var parts = name.StartsWith(ScratchPrefix, StringComparison.Ordinal) ? name.Split('-')
            : name.EndsWith(".partial", StringComparison.Ordinal) ? name.Split('.')
            : [];
        var field = name.StartsWith(ScratchPrefix, StringComparison.Ordinal) ? 1 : parts.Length - 3;
        return field >= 1 && field < parts.Length && int.TryParse(parts[field], System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>The start of a build's scratch folder name: <c>.build-PID-GUID</c>.</summary>
    public const string ScratchPrefix = ".build-";
}
