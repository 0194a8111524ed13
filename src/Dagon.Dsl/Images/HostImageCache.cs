using System.Collections.Concurrent;
using System.Diagnostics;
using Dagon.Concurrency;
using Dagon.Containers;
using Dagon.LocalFiles;
using Dagon.Model;
using Dagon.Places;
using Microsoft.Extensions.Logging;

namespace Dagon.Images;

/// <summary>
/// A remote place's own image cache (its <c>image_cache_dir</c>): every distinct image is made ready once per place
/// and reused by later tasks and runs. Registry sources and self-contained definition files are built on the place; a
/// local .sif, a definition whose <c>%files</c> copy files of this machine, and everything for a place set to
/// <c>image_build = local</c> are built here and uploaded, their sha256 checked on the place before use. Images land
/// under a temporary name and are renamed into place, so a reader never sees half an image. Images made on the place
/// follow the same policy as this machine's (<see cref="ImagePlanner"/>): the place's library folders first, a tag
/// keyed by the digest this machine resolves, and the pull policy of the tasks that use the image.
/// </summary>
public sealed class HostImageCache(ImageCache localImages, ApptainerOptions localOptions, ILogger<HostImageCache> logger,
    RegistryLogins? logins = null)
{
    private readonly ImagePlanner _planner = new(localOptions, new RegistryDigests(logins ?? RegistryLogins.FromEnvironment, logger), logger);

    /// <summary>
    /// Runs on the place with every value as a positional argument. Concurrent runs on one place wait for each
    /// other's build (flock, where the place has it) instead of building twice.
    /// </summary>
    private const string BuildScript =
        "cache=$1 target=$2 partial=$3 apptainer=$4 fakeroot=$5 source=$6 definition=$7; " +
        "mkdir -p \"$cache\" || exit 1; " +
        "if command -v flock >/dev/null 2>&1; then exec 9> \"$target.lock\" && flock 9; fi; " +
        "if [ -f \"$target\" ]; then echo cached; exit 0; fi; " +
        "if [ -n \"$definition\" ]; then printf '%s' \"$definition\" > \"$source\" || exit 1; cd \"$cache\" || exit 1; fi; " +
        "\"$apptainer\" build $fakeroot \"$partial\" \"$source\" && mv -f \"$partial\" \"$target\" && echo built; " +
        "status=$?; rm -f \"$partial\"; exit $status";

    private readonly OnceByKey<string, PreparedImage> _once = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _localHashes = new(StringComparer.Ordinal);
    private int _builds;
    private int _uploads;

    /// <summary>Images built on places by this instance (not found in a place's cache).</summary>
    public int BuildCount => Volatile.Read(ref _builds);

    public int UploadCount => Volatile.Read(ref _uploads);

    /// <summary>The image under the run's <c>[apptainer] pull</c>.</summary>
    public Task<PreparedImage> PrepareAsync(IPlace place, string apptainer, ImageSource source, CancellationToken cancellationToken) =>
        PrepareAsync(place, apptainer, source, PullPolicies.Effective(PullPolicy.Unset, localOptions.Pull), cancellationToken);

    /// <summary>The image under <paramref name="pull"/>, which its tasks chose (see <see cref="PullPolicies.Strictest"/>).</summary>
    public async Task<PreparedImage> PrepareAsync(IPlace place, string apptainer, ImageSource source, PullPolicy pull,
        CancellationToken cancellationToken)
    {
        var site = await SiteAsync(place, pull, cancellationToken).ConfigureAwait(false);
        var key = $"{place.Host}|{site.CacheDir}|{source.Kind}:{source.Reference}|{pull}";
        return await _once.GetAsync(key, async () =>
        {
            var stopwatch = Stopwatch.StartNew();
            var path = await PrepareCoreAsync(place, apptainer, site, source, cancellationToken).ConfigureAwait(false);
            return new PreparedImage(path, stopwatch.Elapsed);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// What <see cref="PrepareAsync(IPlace, string, ImageSource, PullPolicy, CancellationToken)"/> would do on the place,
    /// decided the same way but read only (<c>--dry-run</c>): the place is asked, nothing is built, uploaded or recorded.
    /// </summary>
    internal async Task<ImageOutcome> PreviewAsync(IPlace place, ImageSource source, PullPolicy pull, CancellationToken cancellationToken)
    {
        var site = await SiteAsync(place, pull, cancellationToken).ConfigureAwait(false);
        if (source.Kind == ImageSourceKind.SifFile) return await PreviewUploadAsync(place, site.CacheDir, source.Reference, cancellationToken).ConfigureAwait(false);
        var definition = await DefinitionOfAsync(place, source, cancellationToken).ConfigureAwait(false);
        if (WhyBuiltHere(place, source, definition) is not { } why)
        {
            return NotVerified(await _planner.PreviewAsync(source, site, cancellationToken).ConfigureAwait(false), site);
        }

        if (await LibraryAsync(source, site, cancellationToken).ConfigureAwait(false) is { } library)
        {
            return new ImageOutcome(ImageOutcomeKind.Library, source.Reference, library) { Where = site.Store.Where };
        }

        var local = await localImages.PreviewAsync(source, site.Pull, cancellationToken).ConfigureAwait(false);
        return local with { Note = $"made on this machine ({why}), then uploaded to {place.Description}" };
    }

    /// <summary>An image the host built for its own cache has no checksum to check it against: the report says so.</summary>
    private static ImageOutcome NotVerified(ImageOutcome outcome, ImageSite site) =>
        outcome.Kind == ImageOutcomeKind.Cached && outcome.Path.StartsWith(site.CacheDir + "/", StringComparison.Ordinal)
            ? outcome with { Checksum = ChecksumCheck.NotRecorded("no checksum is kept for images built on the host") }
            : outcome;

    private static async Task<ImageSite> SiteAsync(IPlace place, PullPolicy pull, CancellationToken cancellationToken)
    {
        var info = await place.ProbeAsync(cancellationToken).ConfigureAwait(false);
        var cacheDir = info.Expand(place.Settings.ImageCacheDir ?? "~/.cache/dagon/images").TrimEnd('/');
        return new ImageSite(new PlaceImageStore(place, info), cacheDir, place.Settings.LibraryDirs, pull);
    }

    /// <summary>A definition file's text (null for other sources); refuses what cannot reach a host at all.</summary>
    private static async Task<string?> DefinitionOfAsync(IPlace place, ImageSource source, CancellationToken cancellationToken)
    {
        switch (source.Kind)
        {
            case ImageSourceKind.SandboxDirectory:
                throw new ImagePreparationException(
                    $"image '{source.Reference}' is a local sandbox directory, which is not sent to remote hosts; build a SIF from it " +
                    $"(apptainer build image.sif {source.Reference}) and use that, or build the image on {place.Description}");
            case ImageSourceKind.DefinitionFile when !File.Exists(source.Reference):
                throw new ImagePreparationException($"definition file '{source.Reference}' does not exist");
            case ImageSourceKind.DefinitionFile:
                return await File.ReadAllTextAsync(source.Reference, cancellationToken).ConfigureAwait(false);
            default:
                return null;
        }
    }

    /// <summary>Why the image is made on this machine and uploaded, or null when the place makes it itself.</summary>
    private static string? WhyBuiltHere(IPlace place, ImageSource source, string? definition) =>
        place.Settings.BuildImagesHere ? "image_build = local"
        : Rules.ImageRules.IsArchive(source.Kind) ? "the archive is on this machine"
        : definition is not null && DefinitionFile.CopiesFiles(definition) ? "its %files are on this machine"
        : null;

    private Task<string?> LibraryAsync(ImageSource source, ImageSite site, CancellationToken cancellationToken) =>
        _planner.FindInLibraryAsync(source, DockerReference.TryParse(source.Reference)?.Digest, site, cancellationToken);

    private async Task<string> PrepareCoreAsync(IPlace place, string apptainer, ImageSite site, ImageSource source, CancellationToken cancellationToken)
    {
        var cacheDir = site.CacheDir;
        if (source.Kind == ImageSourceKind.SifFile) return await UploadAsync(place, cacheDir, source.Reference, cancellationToken).ConfigureAwait(false);
        var definition = await DefinitionOfAsync(place, source, cancellationToken).ConfigureAwait(false);
        if (WhyBuiltHere(place, source, definition) is { } why)
        {
            if (await LibraryAsync(source, site, cancellationToken).ConfigureAwait(false) is { } library)
            {
                _planner.LogLibrary(library, site.Store.Where, source.Reference);
                return library;
            }

            logger.LogInformation("Building {Source} here for {Place} ({Why})", source.Reference, place.Description, why);
            var local = await localImages.PrepareAsync(source, LocalApptainer(), site.Pull, cancellationToken).ConfigureAwait(false);
            return await UploadAsync(place, cacheDir, local.Path, cancellationToken).ConfigureAwait(false);
        }

        var plan = await _planner.PlanAsync(source, site, cancellationToken).ConfigureAwait(false);
        if (plan.Existing is { } existing)
        {
            if (existing.StartsWith(cacheDir + "/", StringComparison.Ordinal)) logger.LogInformation("Using cached SIF image on {Place}: {Path}", place.Description, existing);
            await plan.RememberAsync(site.Store, cancellationToken).ConfigureAwait(false);
            return existing;
        }

        var target = await BuildOnPlaceAsync(place, apptainer, plan, source, definition, cancellationToken).ConfigureAwait(false);
        await plan.RememberAsync(site.Store, cancellationToken).ConfigureAwait(false);
        return target;
    }

    private string LocalApptainer() =>
        Processes.ExecutableSearch.Find(localOptions.Executable) ?? throw ApptainerNotFoundException.OnThisMachine(localOptions.Executable);

    /// <summary>Builds <paramref name="plan"/>'s source (a tag's pinned digest, or the source itself) into its target on the place.</summary>
    private async Task<string> BuildOnPlaceAsync(IPlace place, string apptainer, ImagePlan plan, ImageSource source, string? definition,
        CancellationToken cancellationToken)
    {
        var target = plan.Target;
        var cacheDir = target[..target.LastIndexOf('/')];
        var buildSource = definition is null ? plan.Build.Reference : Path.ChangeExtension(target, ".def");
        var fakeroot = definition is not null && (place.Settings.Fakeroot ?? true) ? "--fakeroot" : "";
        string[] argv = ["/bin/sh", "-c", BuildScript, "dagon-build", cacheDir, target, $"{target}.partial.{Guid.NewGuid():N}",
            apptainer, fakeroot, buildSource, definition ?? ""];

        var stopwatch = Stopwatch.StartNew();
        logger.LogInformation("Preparing image on {Place} from: {Source}", place.Description, source.Reference);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(localOptions.BuildTimeoutSeconds));
        CommandResult result;
        try
        {
            result = await place.RunAsync(new PlaceCommand(argv)
            {
                Environment = localOptions.NoHttps ? new Dictionary<string, string?> { ["APPTAINER_NOHTTPS"] = "1" } : null,
                CaptureStdout = true,
                OnStderr = line => logger.LogDebug("[build on {Place}] {Line}", place.Description, line),
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ImagePreparationException(
                $"building image '{source.Reference}' on {place.Description} took longer than {localOptions.BuildTimeoutSeconds} s");
        }

        if (!result.Succeeded)
        {
            var hint = source.Kind is ImageSourceKind.Docker or ImageSourceKind.Library or ImageSourceKind.Oras or ImageSourceKind.Http
                ? " If the host cannot reach the registry, set image_build = local for it: the image is then built here and uploaded."
                : "";
            throw new ImagePreparationException(
                $"building image '{source.Reference}' on {place.Description} failed (apptainer build exited with {result.ExitCode}).{hint}" +
                $"{Environment.NewLine}{string.Join(Environment.NewLine, result.StderrTail)}");
        }

        if (result.Stdout.Contains("cached", StringComparison.Ordinal))
        {
            logger.LogInformation("Using cached SIF image on {Place}: {Path}", place.Description, target);
        }
        else
        {
            Interlocked.Increment(ref _builds);
            logger.LogInformation("Remote SIF image built successfully on {Place}: {Path} ({Seconds:F1} s)", place.Description, target, stopwatch.Elapsed.TotalSeconds);
        }

        return target;
    }

    /// <summary>Where the place keeps its copy of a local .sif, and whether that copy is there already.</summary>
    private async Task<(string Target, bool Present)> CopyOnPlaceAsync(IPlace place, string cacheDir, string localPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(localPath)) throw new ImagePreparationException($"image file '{localPath}' does not exist");
        var target = $"{cacheDir}/{ImageKey.FileNameOfCopy(localPath, await LocalHashAsync(localPath, cancellationToken).ConfigureAwait(false))}";
        return (target, (await place.FindMissingAsync([target], cancellationToken).ConfigureAwait(false)).Count == 0);
    }

    private async Task<ImageOutcome> PreviewUploadAsync(IPlace place, string cacheDir, string localPath, CancellationToken cancellationToken)
    {
        var (target, present) = await CopyOnPlaceAsync(place, cacheDir, localPath, cancellationToken).ConfigureAwait(false);
        var outcome = new ImageOutcome(present ? ImageOutcomeKind.Cached : ImageOutcomeKind.Upload, localPath, target) { Where = " on " + place.Description };
        if (!present) return outcome;
        var hash = await LocalHashAsync(localPath, cancellationToken).ConfigureAwait(false);
        return outcome with { Checksum = await CheckCopyAsync(place, target, hash, cancellationToken).ConfigureAwait(false) };
    }

    /// <summary>The host's copy against the sha256 of the local .sif it was named after (read only).</summary>
    private static async Task<ChecksumCheck> CheckCopyAsync(IPlace place, string target, string localHash, CancellationToken cancellationToken)
    {
        var slash = target.LastIndexOf('/');
        var found = (await place.HashAsync(target[..slash], [target[(slash + 1)..]], cancellationToken).ConfigureAwait(false))[0];
        return new ChecksumCheck(localHash, found, "upload again");
    }

    private async Task<string> UploadAsync(IPlace place, string cacheDir, string localPath, CancellationToken cancellationToken)
    {
        var (target, present) = await CopyOnPlaceAsync(place, cacheDir, localPath, cancellationToken).ConfigureAwait(false);
        var hash = await LocalHashAsync(localPath, cancellationToken).ConfigureAwait(false);
        var name = target[(target.LastIndexOf('/') + 1)..];
        if (present)
        {
            var check = await CheckCopyAsync(place, target, hash, cancellationToken).ConfigureAwait(false);
            if (check.Intact)
            {
                logger.LogInformation("Using cached SIF image on {Place}: {Path}", place.Description, target);
                return target;
            }

            logger.LogError("The copy of {Local} on {Place}, {Path}, does not match it (sha256 here {Expected}, there {Actual}): it was " +
                "changed or replaced since it was uploaded. It is refused and uploaded again", localPath, place.Description, target, hash, check.Found);
        }

        logger.LogInformation("Uploading SIF image {Local} to {Place} ({Size:F1} MB)", localPath, place.Description, new FileInfo(localPath).Length / 1048576.0);
        var partial = $".{name}.partial.{Guid.NewGuid():N}";
        await place.CreateDirectoriesAsync([cacheDir], cancellationToken).ConfigureAwait(false);
        await place.UploadAsync(localPath, $"{cacheDir}/{partial}", cancellationToken).ConfigureAwait(false);
        var remoteHash = (await place.HashAsync(cacheDir, [partial], cancellationToken).ConfigureAwait(false))[0];
        if (!string.Equals(remoteHash, hash, StringComparison.OrdinalIgnoreCase))
        {
            await place.RemoveTreeAsync($"{cacheDir}/{partial}", CancellationToken.None).ConfigureAwait(false);
            throw new ImagePreparationException(
                $"uploading image '{localPath}' to {place.Description} corrupted it: sha256 here {hash}, on the host {remoteHash}");
        }

        await place.MoveAsync($"{cacheDir}/{partial}", target, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _uploads);
        logger.LogInformation("SIF image uploaded to {Place}: {Path} (sha256 {Hash} verified)", place.Description, target, hash[..16]);
        return target;
    }

    private async Task<string> LocalHashAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        var key = $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
        if (_localHashes.TryGetValue(key, out var known)) return known;
        var hash = await FileDigest.Sha256Async(path, cancellationToken).ConfigureAwait(false);
        _localHashes[key] = hash;
        return hash;
    }
}
