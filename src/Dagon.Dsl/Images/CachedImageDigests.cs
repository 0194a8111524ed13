using Dagon.LocalFiles;
using Microsoft.Extensions.Logging;

namespace Dagon.Images;

/// <summary>
/// The sha256 of every image the cache builds, recorded beside it (<c>IMAGE.sif.sha256</c>) when it is made and
/// checked before each run uses it: an image changed or swapped after it was built is refused and built again, never
/// run. Images cached before checksums were kept are recorded on first use.
/// </summary>
internal sealed class CachedImageDigests(ILogger logger)
{
    public static string SidecarOf(string image) => image + ".sha256";

    public async Task RecordAsync(string image, CancellationToken cancellationToken)
    {
        var sidecar = SidecarOf(image);
        var temporary = Path.Combine(Path.GetDirectoryName(sidecar)!, $".{Path.GetFileName(sidecar)}.{Environment.ProcessId}.{Guid.NewGuid():N}.partial");
        await File.WriteAllTextAsync(temporary, await FileDigest.Sha256Async(image, cancellationToken).ConfigureAwait(false) + "\n", cancellationToken)
            .ConfigureAwait(false);
        File.Move(temporary, sidecar, overwrite: true);
    }

    /// <summary>True when the image is as it was built; otherwise it and its record are deleted, and the reason logged.</summary>
    public async Task<bool> IsIntactAsync(string image, CancellationToken cancellationToken)
    {
        var check = await CheckAsync(image, cancellationToken).ConfigureAwait(false);
        if (check.Recorded is null)
        {
            await RecordAsync(image, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Recorded the sha256 of cached image {Path} (cached before checksums were kept)", image);
            return true;
        }

        if (check.Intact) return true;
        logger.LogError(
            "Cached image {Path} does not match the sha256 recorded when it was built (recorded {Expected}, found {Actual}): it was " +
            "changed or replaced since. It is refused and built again", image, check.Recorded, check.Found);
        File.Delete(image);
        File.Delete(SidecarOf(image));
        return false;
    }

    /// <summary>
    /// The image's checksum against its record, read only (<c>--dry-run</c>): nothing is recorded, deleted or logged.
    /// A real run decides by this same comparison (<see cref="IsIntactAsync"/>).
    /// </summary>
    public static async Task<ChecksumCheck> CheckAsync(string image, CancellationToken cancellationToken)
    {
        var sidecar = SidecarOf(image);
        if (!File.Exists(sidecar)) return ChecksumCheck.NotRecorded(ChecksumCheck.NotRecordedYet);
        var recorded = (await File.ReadAllTextAsync(sidecar, cancellationToken).ConfigureAwait(false)).Trim();
        return new ChecksumCheck(recorded, await FileDigest.Sha256Async(image, cancellationToken).ConfigureAwait(false), "rebuild");
    }
}
