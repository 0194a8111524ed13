using Dagon.Containers;
using Dagon.Model;
using Dagon.Rules;
using Microsoft.Extensions.Logging;

namespace Dagon.Images;

/// <summary>
/// What the image cache does for one source: use a file that is already there (<see cref="Existing"/>), or make
/// <see cref="Target"/> from <see cref="Build"/>. For a tag resolved to a digest, <see cref="Build"/> is pinned to that
/// digest, and <see cref="Remember"/> records which digest the tag's image in the cache holds.
/// </summary>
internal sealed record ImagePlan(string Target, ImageSource Build, string? Existing, bool IsPull)
{
    public string? RecordFile { get; init; }

    public string? RecordDigest { get; init; }

    public void Remember()
    {
        if (RecordFile is null || RecordDigest is null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(RecordFile)!);
        var partial = $"{RecordFile}.{Guid.NewGuid():N}.partial";
        File.WriteAllText(partial, RecordDigest + "\n");
        File.Move(partial, RecordFile, overwrite: true);
    }
}

/// <summary>
/// The image policy: library folders first, then, for a <c>docker://</c> tag, its digest from the registry, so the
/// cache is keyed by digest and a moved tag is noticed. <c>pull = missing</c> keeps the cached digest and says so,
/// <c>always</c> fetches the new one, <c>never</c> asks no registry. A reference pinned with <c>@sha256:</c> is
/// keyed by that digest already. When the registry gives no digest (a login needed, no answer), the tag's image is
/// cached by the tag as before.
/// </summary>
internal sealed class ImagePlanner(ApptainerOptions options, RegistryDigests digests, ILogger logger)
{
    private static readonly TimeSpan DigestTimeout = TimeSpan.FromSeconds(20);

    public async Task<ImagePlan> PlanAsync(ImageSource source, string cacheDir, CancellationToken cancellationToken)
    {
        var isPull = source.Kind is ImageSourceKind.Docker or ImageSourceKind.Library or ImageSourceKind.Oras or ImageSourceKind.Http;
        var plan = new ImagePlan(Path.Combine(cacheDir, ImageKey.FileName(source)), source, null, isPull);
        var docker = source.Kind == ImageSourceKind.Docker ? DockerReference.TryParse(source.Reference) : null;
        if (FindInLibrary(source, docker?.Digest) is { } library) return plan with { Existing = library };
        if (docker is { Digest: null }) return await PlanTagAsync(source, docker, cacheDir, plan, cancellationToken).ConfigureAwait(false);
        if (isPull && options.Pull == PullPolicy.Never && !File.Exists(plan.Target)) throw NotCached(source, cacheDir);
        return plan;
    }

    private async Task<ImagePlan> PlanTagAsync(ImageSource source, DockerReference docker, string cacheDir, ImagePlan plan,
        CancellationToken cancellationToken)
    {
        var record = Path.Combine(cacheDir, "tags", ImageKey.ContentKey(source) + ".digest");
        var cachedDigest = File.Exists(record) ? (await File.ReadAllTextAsync(record, cancellationToken).ConfigureAwait(false)).Trim() : null;
        var cached = cachedDigest is null ? null : DigestTarget(source, docker, cachedDigest, cacheDir);
        if (cached is not null && !File.Exists(cached)) cached = null;
        if (options.Pull == PullPolicy.Never)
        {
            return plan with { Existing = cached ?? (File.Exists(plan.Target) ? plan.Target : throw NotCached(source, cacheDir)) };
        }

        var current = await digests.ResolveAsync(docker, options.NoHttps, DigestTimeout, cancellationToken).ConfigureAwait(false);
        if (current is null) return cached is null ? plan : plan with { Existing = cached };
        if (cached is not null && (current == cachedDigest || options.Pull == PullPolicy.Missing))
        {
            if (current != cachedDigest)
            {
                logger.LogWarning(
                    "Tag {Source} now points to {Current}; keeping the cached {Cached} (pull = missing). Set [apptainer] pull = always " +
                    "(--refresh-images) to pull the new one", source.Reference, current, cachedDigest);
            }

            return plan with { Existing = cached };
        }

        if (cachedDigest is not null && cachedDigest != current)
        {
            logger.LogInformation("Tag {Source} moved from {Cached} to {Current}; pulling the new digest (pull = {Pull})",
                source.Reference, cachedDigest, current, options.Pull.ToString().ToLowerInvariant());
        }
        else
        {
            logger.LogInformation("Tag {Source} is {Current}", source.Reference, current);
        }

        if (FindInLibrary(source, current) is { } library) return plan with { Existing = library };
        return new ImagePlan(DigestTarget(source, docker, current, cacheDir), new ImageSource(ImageSourceKind.Docker, docker.PinnedTo(current)), null, true)
        {
            RecordFile = record,
            RecordDigest = current,
        };
    }

    /// <summary><c>NAME-KEY.sif</c> with the tag's readable name and a key of the pinned reference.</summary>
    private static string DigestTarget(ImageSource source, DockerReference docker, string digest, string cacheDir) =>
        Path.Combine(cacheDir, $"{ImageKey.ReadableName(source)}-{ImageKey.ContentKey(new ImageSource(ImageSourceKind.Docker, docker.PinnedTo(digest)))}.sif");

    /// <summary>The first library folder holding <c>NAME.sif</c> or <c>sha256-HEX.sif</c> for the source.</summary>
    private string? FindInLibrary(ImageSource source, string? digest)
    {
        if (string.IsNullOrWhiteSpace(options.LibraryDirs) || ImageRules.IsLocal(source.Kind)) return null;
        string[] names = digest is null
            ? [ImageKey.ReadableName(source) + ".sif"]
            : [DockerReference.LibraryFileName(digest), ImageKey.ReadableName(source) + ".sif"];
        foreach (var folder in options.LibraryDirs.Split([':', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            foreach (var name in names)
            {
                var path = Path.Combine(Path.GetFullPath(folder), name);
                if (!File.Exists(path)) continue;
                logger.LogInformation("Using library image {Path} for {Source} (no build)", path, source.Reference);
                return path;
            }
        }

        return null;
    }

    private static ImagePreparationException NotCached(ImageSource source, string cacheDir) => new(
        $"image '{source.Reference}' is not in the image cache ({cacheDir}) or a library folder, " +
        "and [apptainer] pull = never forbids fetching it; set pull = missing, or put a prebuilt .sif in a library_dirs folder");
}
