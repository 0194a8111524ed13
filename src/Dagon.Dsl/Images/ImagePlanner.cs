using Dagon.Containers;
using Dagon.Model;
using Dagon.Rules;
using Microsoft.Extensions.Logging;

namespace Dagon.Images;

/// <summary>
/// What an image cache does for one source: use a file that is already there (<see cref="Existing"/>), or make
/// <see cref="Target"/> from <see cref="Build"/>. For a tag resolved to a digest, <see cref="Build"/> is pinned to that
/// digest, and <see cref="RememberAsync"/> records which digest the tag's image in the cache holds.
/// </summary>
internal sealed record ImagePlan(string Target, ImageSource Build, string? Existing, bool IsPull)
{
    public string? RecordFile { get; init; }

    public string? RecordDigest { get; init; }

    public Task RememberAsync(IImageStore store, CancellationToken cancellationToken) =>
        RecordFile is null || RecordDigest is null ? Task.CompletedTask : store.WriteTextAsync(RecordFile, RecordDigest + "\n", cancellationToken);
}

/// <summary>Where an image is wanted: the store, its cache folder, its library folders, and the pull policy that applies.</summary>
internal sealed record ImageSite(IImageStore Store, string CacheDir, string? LibraryDirs, PullPolicy Pull);

/// <summary>
/// The image policy, the same on this machine and on every host: library folders first, then, for a <c>docker://</c>
/// tag, its digest from the registry, so the cache is keyed by digest and a moved tag is noticed. <c>pull = missing</c>
/// keeps the cached digest and says so, <c>always</c> fetches the new one, <c>never</c> asks no registry. A reference
/// pinned with <c>@sha256:</c> is keyed by that digest already. The digest is asked from this machine (one HEAD
/// request; a host needs no tool for it); when no digest comes back (a registry only the host reaches, a refused
/// login), the image is cached by its tag, and the log says so.
/// </summary>
internal sealed class ImagePlanner(ApptainerOptions options, RegistryDigests digests, ILogger logger)
{
    private static readonly TimeSpan DigestTimeout = TimeSpan.FromSeconds(20);

    public async Task<ImagePlan> PlanAsync(ImageSource source, ImageSite site, CancellationToken cancellationToken)
    {
        var isPull = source.Kind is ImageSourceKind.Docker or ImageSourceKind.Library or ImageSourceKind.Oras or ImageSourceKind.Http;
        var plan = new ImagePlan($"{site.CacheDir}/{ImageKey.FileName(source)}", source, null, isPull);
        var docker = source.Kind == ImageSourceKind.Docker ? DockerReference.TryParse(source.Reference) : null;
        if (await FindInLibraryAsync(source, docker?.Digest, site, cancellationToken).ConfigureAwait(false) is { } library) return plan with { Existing = library };
        if (docker is { Digest: null }) return await PlanTagAsync(source, docker, site, plan, cancellationToken).ConfigureAwait(false);
        if (isPull && site.Pull == PullPolicy.Never && await site.Store.FirstExistingAsync([plan.Target], cancellationToken).ConfigureAwait(false) is null)
        {
            throw NotCached(source, site);
        }

        return plan;
    }

    private async Task<ImagePlan> PlanTagAsync(ImageSource source, DockerReference docker, ImageSite site, ImagePlan plan,
        CancellationToken cancellationToken)
    {
        var store = site.Store;
        var record = $"{site.CacheDir}/tags/{ImageKey.ContentKey(source)}.digest";
        var cachedDigest = await store.ReadTextAsync(record, cancellationToken).ConfigureAwait(false);
        var cached = DockerReference.IsDigest(cachedDigest)
            ? await store.FirstExistingAsync([DigestTarget(source, docker, cachedDigest!, site.CacheDir)], cancellationToken).ConfigureAwait(false)
            : null;
        if (site.Pull == PullPolicy.Never)
        {
            return plan with
            {
                Existing = cached ?? await store.FirstExistingAsync([plan.Target], cancellationToken).ConfigureAwait(false) ?? throw NotCached(source, site),
            };
        }

        var lookup = await digests.ResolveAsync(docker, options.NoHttps, DigestTimeout, cancellationToken).ConfigureAwait(false);
        if (lookup.Digest is not { } current)
        {
            logger.LogWarning(
                "No digest for {Source} from this machine ({Reason}); the image{Where} is cached by its tag, so a moved tag is not noticed " +
                "(pin it with @sha256:... to be exact)", source.Reference, lookup.Problem, store.Where);
            return cached is null ? plan : plan with { Existing = cached };
        }

        if (cached is not null && (current == cachedDigest || site.Pull == PullPolicy.Missing))
        {
            if (current != cachedDigest)
            {
                logger.LogWarning(
                    "Tag {Source} now points to {Current}; keeping the cached {Cached}{Where} (pull = missing). Set pull = always " +
                    "([apptainer] pull, the task's Pull, or --refresh-images) to pull the new one", source.Reference, current, cachedDigest, store.Where);
            }

            return plan with { Existing = cached };
        }

        if (cachedDigest is not null && cachedDigest != current)
        {
            logger.LogInformation("Tag {Source} moved from {Cached} to {Current}; pulling the new digest{Where} (pull = {Pull})",
                source.Reference, cachedDigest, current, store.Where, site.Pull.ToString().ToLowerInvariant());
        }
        else
        {
            logger.LogInformation("Tag {Source} is {Current}", source.Reference, current);
        }

        if (await FindInLibraryAsync(source, current, site, cancellationToken).ConfigureAwait(false) is { } library) return plan with { Existing = library };
        return new ImagePlan(DigestTarget(source, docker, current, site.CacheDir), new ImageSource(ImageSourceKind.Docker, docker.PinnedTo(current)), null, true)
        {
            RecordFile = record,
            RecordDigest = current,
        };
    }

    /// <summary><c>NAME-KEY.sif</c> with the tag's readable name and a key of the pinned reference.</summary>
    private static string DigestTarget(ImageSource source, DockerReference docker, string digest, string cacheDir) =>
        $"{cacheDir}/{ImageKey.ReadableName(source)}-{ImageKey.ContentKey(new ImageSource(ImageSourceKind.Docker, docker.PinnedTo(digest)))}.sif";

    /// <summary>The first library folder holding <c>sha256-HEX.sif</c> or <c>NAME.sif</c> for the source, asked in one question.</summary>
    public async Task<string?> FindInLibraryAsync(ImageSource source, string? digest, ImageSite site, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(site.LibraryDirs) || ImageRules.IsLocal(source.Kind)) return null;
        string[] names = digest is null
            ? [ImageKey.ReadableName(source) + ".sif"]
            : [DockerReference.LibraryFileName(digest), ImageKey.ReadableName(source) + ".sif"];
        var candidates = site.LibraryDirs.Split([':', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .SelectMany(folder => names.Select(name => $"{site.Store.Folder(folder)}/{name}"))
            .ToList();
        var path = await site.Store.FirstExistingAsync(candidates, cancellationToken).ConfigureAwait(false);
        if (path is not null) logger.LogInformation("Using library image {Path}{Where} for {Source} (no build)", path, site.Store.Where, source.Reference);
        return path;
    }

    private static ImagePreparationException NotCached(ImageSource source, ImageSite site) => new(
        $"image '{source.Reference}' is not in the image cache{site.Store.Where} ({site.CacheDir}) or a library folder, " +
        "and pull = never forbids fetching it; set pull = missing (the task's Pull or [apptainer] pull), or put a prebuilt .sif in a " +
        "library_dirs folder" + (site.Store.Where.Length == 0 ? "" : " of the host"));
}
