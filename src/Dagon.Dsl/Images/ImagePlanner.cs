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
    /// <summary>What was decided and why, for the log of a real run and the report of a dry run.</summary>
    public required ImageOutcome Outcome { get; init; }

    public string? RecordFile { get; init; }

    public string? RecordDigest { get; init; }

    /// <summary>The plan with <paramref name="path"/> used as it is.</summary>
    public ImagePlan Using(string path, ImageOutcomeKind kind) => this with { Existing = path, Outcome = Outcome with { Kind = kind, Path = path } };

    public ImagePlan Noting(Func<ImageOutcome, ImageOutcome> change) => this with { Outcome = change(Outcome) };

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
/// login), the image is cached by its tag, and the log says so. <see cref="PlanAsync"/> is a real run's question;
/// <see cref="PreviewAsync"/> is <c>--dry-run</c>'s: the same decision, read only, with nothing logged and nothing to record.
/// </summary>
internal sealed class ImagePlanner(ApptainerOptions options, RegistryDigests digests, ILogger logger)
{
    private static readonly TimeSpan DigestTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The plan a real run follows; what it decided is logged.</summary>
    public async Task<ImagePlan> PlanAsync(ImageSource source, ImageSite site, CancellationToken cancellationToken)
    {
        var plan = await DecideAsync(source, site, cancellationToken).ConfigureAwait(false);
        Log(plan.Outcome);
        return plan;
    }

    /// <summary>
    /// What a real run would do, asked without doing it: the same decision as <see cref="PlanAsync"/>, but only its
    /// outcome comes back, so no digest can be recorded, and nothing is logged as if it happened.
    /// </summary>
    public async Task<ImageOutcome> PreviewAsync(ImageSource source, ImageSite site, CancellationToken cancellationToken) =>
        (await DecideAsync(source, site, cancellationToken).ConfigureAwait(false)).Outcome;

    private async Task<ImagePlan> DecideAsync(ImageSource source, ImageSite site, CancellationToken cancellationToken)
    {
        var isPull = source.Kind is ImageSourceKind.Docker or ImageSourceKind.Library or ImageSourceKind.Oras or ImageSourceKind.Http;
        var target = $"{site.CacheDir}/{ImageKey.FileName(source)}";
        var plan = new ImagePlan(target, source, null, isPull)
        {
            Outcome = new ImageOutcome(isPull ? ImageOutcomeKind.Pull : ImageOutcomeKind.Build, source.Reference, target)
            {
                Where = site.Store.Where, Pull = site.Pull, Pulled = isPull ? source.Reference : null,
            },
        };
        var docker = source.Kind == ImageSourceKind.Docker ? DockerReference.TryParse(source.Reference) : null;
        plan = plan.Noting(o => o with { Digest = docker?.Digest });
        if (await FindInLibraryAsync(source, docker?.Digest, site, cancellationToken).ConfigureAwait(false) is { } library)
        {
            return plan.Using(library, ImageOutcomeKind.Library);
        }

        if (docker is { Digest: null }) return await PlanTagAsync(source, docker, site, plan, cancellationToken).ConfigureAwait(false);
        if (await site.Store.FirstExistingAsync([plan.Target], cancellationToken).ConfigureAwait(false) is { } cached)
        {
            return plan.Using(cached, ImageOutcomeKind.Cached);
        }

        if (isPull && site.Pull == PullPolicy.Never) throw NotCached(source, site);
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
            if (cached is not null) return plan.Noting(o => o with { Digest = cachedDigest }).Using(cached, ImageOutcomeKind.Cached);
            var byTag = await store.FirstExistingAsync([plan.Target], cancellationToken).ConfigureAwait(false) ?? throw NotCached(source, site);
            return plan.Noting(o => o with { Note = "pull = never: the registry is not asked" }).Using(byTag, ImageOutcomeKind.Cached);
        }

        var lookup = await digests.ResolveAsync(docker, options.NoHttps, DigestTimeout, cancellationToken).ConfigureAwait(false);
        if (lookup.Digest is not { } current)
        {
            var unresolved = plan.Noting(o => o with { NoDigest = lookup.Problem, RegistryUnanswered = lookup.Unanswered });
            if (cached is not null) return unresolved.Noting(o => o with { Digest = cachedDigest }).Using(cached, ImageOutcomeKind.Cached);
            var byTag = await store.FirstExistingAsync([plan.Target], cancellationToken).ConfigureAwait(false);
            return byTag is null ? unresolved : unresolved.Using(byTag, ImageOutcomeKind.Cached);
        }

        if (cached is not null && (current == cachedDigest || site.Pull == PullPolicy.Missing))
        {
            return plan.Noting(o => o with { Digest = cachedDigest, TagNow = current }).Using(cached, ImageOutcomeKind.Cached);
        }

        var pinned = new ImageSource(ImageSourceKind.Docker, docker.PinnedTo(current));
        var target = DigestTarget(source, docker, current, site.CacheDir);
        var pull = new ImagePlan(target, pinned, null, true)
        {
            RecordFile = record,
            RecordDigest = current,
            Outcome = plan.Outcome with { Path = target, Digest = current, TagNow = current, Previous = cachedDigest, Pulled = pinned.Reference },
        };
        if (await FindInLibraryAsync(source, current, site, cancellationToken).ConfigureAwait(false) is { } library)
        {
            // Nothing enters the cache, so nothing is recorded in it.
            return plan.Noting(o => o with { Digest = current, TagNow = current }).Using(library, ImageOutcomeKind.Library);
        }

        // The digest may be cached without the tag's record saying so (a tag moved back): it is used, and then recorded.
        return await store.FirstExistingAsync([target], cancellationToken).ConfigureAwait(false) is { } already
            ? pull.Using(already, ImageOutcomeKind.Cached)
            : pull;
    }

    /// <summary>What a real run says about the decision (a dry run says it its own way: <see cref="ImageOutcome.Describe"/>).</summary>
    private void Log(ImageOutcome outcome)
    {
        if (outcome.Kind == ImageOutcomeKind.Library) LogLibrary(outcome.Path, outcome.Where, outcome.Source);
        if (outcome.NoDigest is not null)
        {
            logger.LogWarning(
                "No digest for {Source} from this machine ({Reason}); the image{Where} is cached by its tag, so a moved tag is not noticed " +
                "(pin it with @sha256:... to be exact)", outcome.Source, outcome.NoDigest, outcome.Where);
        }

        if (outcome.Kind == ImageOutcomeKind.Cached && outcome.TagNow is { } now && now != outcome.Digest)
        {
            logger.LogWarning(
                "Tag {Source} now points to {Current}; keeping the cached {Cached}{Where} (pull = missing). Set pull = always " +
                "([apptainer] pull, the task's Pull, or --refresh-images) to pull the new one", outcome.Source, now, outcome.Digest, outcome.Where);
        }

        if (outcome.Kind != ImageOutcomeKind.Pull || outcome.TagNow is not { } current) return;
        if (outcome.Previous is { } previous && previous != current)
        {
            logger.LogInformation("Tag {Source} moved from {Cached} to {Current}; pulling the new digest{Where} (pull = {Pull})",
                outcome.Source, previous, current, outcome.Where, outcome.Pull.ToString().ToLowerInvariant());
        }
        else
        {
            logger.LogInformation("Tag {Source} is {Current}", outcome.Source, current);
        }
    }

    public void LogLibrary(string path, string where, string source) =>
        logger.LogInformation("Using library image {Path}{Where} for {Source} (no build)", path, where, source);

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
        return await site.Store.FirstExistingAsync(candidates, cancellationToken).ConfigureAwait(false);
    }

    private static ImagePreparationException NotCached(ImageSource source, ImageSite site) => new(
        $"image '{source.Reference}' is not in the image cache{site.Store.Where} ({site.CacheDir}) or a library folder, " +
        "and pull = never forbids fetching it; set pull = missing (the task's Pull or [apptainer] pull), or put a prebuilt .sif in a " +
        "library_dirs folder" + (site.Store.Where.Length == 0 ? "" : " of the host"));
}
