using Dagon.LocalFiles;
using Dagon.Places;
using Microsoft.Extensions.Logging;

namespace Dagon.Execution;

/// <summary>
/// <see cref="AbandonedRuns"/> for SSH hosts. A run folder on a host carries an owner mark naming this machine and the
/// engine's process (<c>MACHINE-ID PID START</c>) while its run goes. The next run to that host from this machine
/// removes the folders whose mark names this machine and a process that is gone; a folder whose engine still runs, a
/// folder kept for <c>--resume</c> (<c>.resumable</c>) and a folder another machine's engine marked are left alone.
/// </summary>
internal sealed class AbandonedRemoteRuns(ILogger logger)
{
    /// <summary>
    /// Lists the <c>dagon-*</c> folders of the folder given as <c>$1</c>: path, 1 when kept for --resume, the owner
    /// mark's first line. A fixed script with the parent as an argument: nothing the user wrote becomes shell text.
    /// </summary>
    private const string ListScript = """
        for d in "$1"/dagon-*/; do
          [ -d "$d" ] || continue
          d=${d%/}
          r=0; [ -e "$d/.resumable" ] && r=1
          o=$(head -n 1 "$d/.owner" 2>/dev/null | head -c 200)
          printf '%s\t%s\t%s\n' "$d" "$r" "$o"
        done
        """;

    public static string Mark => MachineId.Current + " " + ProcessIdentity.Current;

    /// <summary>Marks the run's folders on <paramref name="place"/> as this engine's, then sweeps their parents.</summary>
    public async Task ClaimAsync(IPlace place, IReadOnlyList<string> runFolders, CancellationToken cancellationToken)
    {
        foreach (var folder in runFolders)
        {
            await place.WriteTextAsync(folder.TrimEnd('/') + "/" + OwnerMark.FileName, Mark + "\n", cancellationToken).ConfigureAwait(false);
        }

        foreach (var parent in runFolders.Select(Parent).Distinct(StringComparer.Ordinal))
        {
            try
            {
                await SweepAsync(place, parent, runFolders, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is PlaceUnavailableException or IOException)
            {
                logger.LogWarning("Could not look for abandoned run folders in {Folder} on {Place}: {Reason}", parent, place.Description, exception.Message);
            }
        }
    }

    /// <summary>A kept run folder is the user's now: its mark goes, so no later run takes it for abandoned.</summary>
    public static Task ReleaseAsync(IPlace place, string runFolder, CancellationToken cancellationToken) =>
        place.RemoveTreeAsync(runFolder.TrimEnd('/') + "/" + OwnerMark.FileName, cancellationToken);

    private async Task SweepAsync(IPlace place, string parent, IReadOnlyList<string> ours, CancellationToken cancellationToken)
    {
        var listing = await place.RunAsync(new PlaceCommand(["sh", "-c", ListScript, "sh", parent]) { CaptureStdout = true }, cancellationToken)
            .ConfigureAwait(false);
        if (!listing.Succeeded) return;
        foreach (var line in listing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length != 3 || fields[1] != "0" || ours.Contains(fields[0]) || DeadOwner(fields[2]) is not { } owner) continue;
            try
            {
                await place.RemoveTreeAsync(fields[0], cancellationToken).ConfigureAwait(false);
                logger.LogWarning("Removed the folder of an abandoned run on {Place}: {Folder} (its engine, process {Pid} of this machine, is gone)",
                    place.Description, fields[0], owner.Pid);
            }
            catch (Exception exception) when (exception is PlaceUnavailableException or IOException)
            {
                logger.LogWarning("Could not remove the folder of an abandoned run {Folder} on {Place}: {Reason}", fields[0], place.Description, exception.Message);
            }
        }
    }

    /// <summary>The owner of a mark that names this machine and a process that no longer runs; null otherwise.</summary>
    internal static ProcessIdentity? DeadOwner(string mark)
    {
        var parts = mark.Trim().Split(' ', 2);
        if (parts.Length != 2 || parts[0] != MachineId.Current || ProcessIdentity.Parse(parts[1]) is not { } owner) return null;
        return owner.IsAlive ? null : owner;
    }

    private static string Parent(string folder) => folder.TrimEnd('/')[..folder.TrimEnd('/').LastIndexOf('/')];
}
