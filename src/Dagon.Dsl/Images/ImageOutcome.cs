using Dagon.Model;

namespace Dagon.Images;

/// <summary>How an image is made ready on a place.</summary>
internal enum ImageOutcomeKind
{
    /// <summary>A local .sif or sandbox used where it is.</summary>
    InPlace,

    /// <summary>A prebuilt .sif in a library folder.</summary>
    Library,

    /// <summary>Already in the image cache.</summary>
    Cached,

    /// <summary>Fetched from a registry into the cache.</summary>
    Pull,

    /// <summary>Built from a definition file or an archive into the cache.</summary>
    Build,

    /// <summary>A .sif of this machine copied into a host's cache.</summary>
    Upload,
}

/// <summary>
/// What the image policy decided for one source on one place, with the facts behind it. A real run logs it
/// (<see cref="ImagePlanner.PlanAsync"/>); <c>--dry-run</c> reports it (<see cref="Describe"/>): both read the same
/// decision, so they cannot tell different stories.
/// </summary>
internal sealed record ImageOutcome(ImageOutcomeKind Kind, string Source, string Path)
{
    /// <summary>Empty for this machine, <c> on host 'NAME'</c> for a place (see <see cref="IImageStore.Where"/>).</summary>
    public string Where { get; init; } = "";

    public PullPolicy Pull { get; init; } = PullPolicy.Missing;

    /// <summary>The digest of the image used or pulled, where one is known.</summary>
    public string? Digest { get; init; }

    /// <summary>The digest the tag points to now, as the registry said; null when it was not asked or gave none.</summary>
    public string? TagNow { get; init; }

    /// <summary>The digest the cache held for the tag before a pull.</summary>
    public string? Previous { get; init; }

    /// <summary>Why the registry gave no digest for the tag.</summary>
    public string? NoDigest { get; init; }

    /// <summary>The registry did not answer this machine at all (as opposed to answering without a digest).</summary>
    public bool RegistryUnanswered { get; init; }

    /// <summary>The reference a pull fetches: the tag pinned to <see cref="TagNow"/>, or the source.</summary>
    public string? Pulled { get; init; }

    /// <summary>
    /// A cached image's sha256 against its record, asked only by a dry run (a real run checks it as it uses the
    /// image); null where nothing was asked (not in a cache, or a real run).
    /// </summary>
    public ChecksumCheck? Checksum { get; init; }

    /// <summary>Where the image is made when not on the place itself (a host's image built here and uploaded).</summary>
    public string? Note { get; init; }

    /// <summary>
    /// Why a real run would fail, when it would: a tag that must be pulled from this machine from a registry that does
    /// not answer it. A host may reach a registry this machine does not, so a host's pull is not judged from here.
    /// </summary>
    public string? Problem => Kind == ImageOutcomeKind.Pull && RegistryUnanswered && Where.Length == 0
        ? $"would pull '{Source}' from this machine, but the registry does not answer it: {NoDigest}"
        : null;

    /// <summary>What a real run would do, in one line of the dry run's report.</summary>
    public string Describe()
    {
        if (Kind == ImageOutcomeKind.Cached && Checksum is { Mismatch: true } changed)
        {
            return changed.Describe(Path) + (Note is null ? "" : $"; {Note}");
        }

        var text = Kind switch
        {
            ImageOutcomeKind.InPlace => $"used in place: {Path}",
            ImageOutcomeKind.Library => $"library image {Path}",
            ImageOutcomeKind.Cached when Digest is not null => $"cached (digest {Digest}) {Path}" + KeptNote(),
            ImageOutcomeKind.Cached when NoDigest is not null => $"cached by tag; the registry gave no digest: {NoDigest} ({Path})",
            ImageOutcomeKind.Cached => $"cached {Path}",
            ImageOutcomeKind.Pull when TagNow is not null => $"would pull {Pulled} (tag now points there)" + ReplacedNote(),
            ImageOutcomeKind.Pull when NoDigest is not null => $"would pull {Source} by its tag; the registry gave no digest: {NoDigest}",
            ImageOutcomeKind.Pull => $"would pull {Source}",
            ImageOutcomeKind.Upload => $"would upload {Source} to {Path}",
            _ => $"would be built into {Path}",
        };
        if (Kind == ImageOutcomeKind.Cached && Checksum is { } checksum) text += "; " + checksum.Describe(Path);
        return Note is null ? text : $"{text}; {Note}";
    }

    private string KeptNote() => TagNow is not null && TagNow != Digest
        ? $"; the tag now points to {TagNow}, the cached digest is kept (pull = missing)"
        : NoDigest is not null ? $"; the registry gave no digest: {NoDigest}" : "";

    private string ReplacedNote() => Previous is not null && Previous != TagNow
        ? $"; the tag moved from the cached {Previous} (pull = {Pull.ToString().ToLowerInvariant()})"
        : "";
}
