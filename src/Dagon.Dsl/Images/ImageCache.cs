using System.Diagnostics;
using Dagon.Concurrency;
using Dagon.Containers;
using Dagon.LocalFiles;
using Dagon.Model;
using Dagon.Processes;
using Microsoft.Extensions.Logging;

namespace Dagon.Images;

/// <summary>
/// Builds each distinct image once and keeps it for every later task and run. Tasks of one run share a single build
/// through an in-process map of pending builds; concurrent runs share it through an exclusive lock file next to the
/// image. A build writes to a temporary name and is renamed into place, so no reader ever sees half an image.
/// </summary>
public sealed class ImageCache(ApptainerOptions options, ContainerUserAccess access, ILogger<ImageCache> logger, RegistryLogins? logins = null)
{
    private readonly RegistryLogins _logins = logins ?? RegistryLogins.FromEnvironment;
    private readonly ImagePlanner _planner = new(options, new RegistryDigests(logins ?? RegistryLogins.FromEnvironment, logger), logger);
    private readonly CachedImageDigests _digests = new(logger);
    private int _swept;
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(200);
    private readonly OnceByKey<string, PreparedImage> _once = new(StringComparer.Ordinal);
    private int _builds;

    /// <summary>Images this instance built (not found in the cache).</summary>
    public int BuildCount => Volatile.Read(ref _builds);

    public string Directory => options.ResolveImageCacheDir();

    /// <summary>The cache file an image source maps to; null for sources used in place.</summary>
    public string? CachePathFor(ImageSource source) =>
        source.NeedsBuild ? Path.Combine(Directory, ImageKey.FileName(source)) : null;

    /// <summary>The image under the run's <c>[apptainer] pull</c>.</summary>
    public Task<PreparedImage> PrepareAsync(ImageSource source, string apptainer, CancellationToken cancellationToken) =>
        PrepareAsync(source, apptainer, PullPolicies.Effective(PullPolicy.Unset, options.Pull), cancellationToken);

    /// <summary>The image under <paramref name="pull"/>, which its tasks chose (see <see cref="PullPolicies.Strictest"/>).</summary>
    public Task<PreparedImage> PrepareAsync(ImageSource source, string apptainer, PullPolicy pull, CancellationToken cancellationToken)
    {
        // In-place images are keyed by their path; built ones by their cache file, which covers their content.
        var keyedByContent = source.NeedsBuild && (source.Kind != ImageSourceKind.DefinitionFile || File.Exists(source.Reference))
            && (source.ArchivePath is not { } archive || File.Exists(archive) || System.IO.Directory.Exists(archive));
        var key = (keyedByContent ? CachePathFor(source)! : source.Kind + ":" + source.Reference) + "|" + pull;
        return _once.GetAsync(key, () => PrepareCoreAsync(source, apptainer, pull, cancellationToken));
    }

    private async Task<PreparedImage> PrepareCoreAsync(ImageSource source, string apptainer, PullPolicy pull, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        if (UsedInPlace(source) is { } inPlace) return new PreparedImage(inPlace, stopwatch.Elapsed);
        var store = LocalImageStore.Instance;
        var plan = await _planner.PlanAsync(source, Site(pull), cancellationToken).ConfigureAwait(false);
        if (plan.Existing is { } existing &&
            (!existing.StartsWith(Directory, StringComparison.Ordinal) || await _digests.IsIntactAsync(existing, cancellationToken).ConfigureAwait(false)))
        {
            await plan.RememberAsync(store, CancellationToken.None).ConfigureAwait(false);
            if (existing.StartsWith(Directory, StringComparison.Ordinal)) logger.LogInformation("Using cached SIF image: {Path} (for {Source})", existing, source.Reference);
            return new PreparedImage(existing, stopwatch.Elapsed);
        }

        var target = plan.Target;
        if (!await CreateOnceAsync(target, source.Reference, partial => BuildAsync(source, plan, partial, apptainer, cancellationToken),
                _digests, cancellationToken).ConfigureAwait(false))
        {
            await plan.RememberAsync(store, CancellationToken.None).ConfigureAwait(false);
            logger.LogInformation("Using cached SIF image: {Path} (for {Source})", target, source.Reference);
            return new PreparedImage(target, stopwatch.Elapsed);
        }

        await plan.RememberAsync(store, CancellationToken.None).ConfigureAwait(false);
        Interlocked.Increment(ref _builds);
        logger.LogInformation("SIF image built: {Path} ({Seconds:F1} s)", target, stopwatch.Elapsed.TotalSeconds);
        return new PreparedImage(target, stopwatch.Elapsed);
    }

    /// <summary>
    /// What <see cref="PrepareAsync(ImageSource, string, PullPolicy, CancellationToken)"/> would do, decided the same way
    /// but read only (<c>--dry-run</c>): nothing is built, pulled or recorded. A cached image's sha256 is checked against
    /// its record as a real run would check it, but a missing record is only reported, not written.
    /// </summary>
    internal async Task<ImageOutcome> PreviewAsync(ImageSource source, PullPolicy pull, CancellationToken cancellationToken)
    {
        if (UsedInPlace(source) is { } inPlace) return new ImageOutcome(ImageOutcomeKind.InPlace, source.Reference, inPlace);
        var outcome = await _planner.PreviewAsync(source, Site(pull), cancellationToken).ConfigureAwait(false);
        if (outcome.Kind != ImageOutcomeKind.Cached || !outcome.Path.StartsWith(Directory, StringComparison.Ordinal)) return outcome;
        return outcome with { Checksum = await CachedImageDigests.CheckAsync(outcome.Path, cancellationToken).ConfigureAwait(false) };
    }

    private ImageSite Site(PullPolicy pull) => new(LocalImageStore.Instance, Directory, options.LibraryDirs, pull);

    /// <summary>The path of an image used where it is (a .sif, a sandbox); null for one the cache makes; throws for a missing file.</summary>
    private static string? UsedInPlace(ImageSource source)
    {
        switch (source.Kind)
        {
            case ImageSourceKind.SifFile when !File.Exists(source.Reference):
                throw new ImagePreparationException($"image file '{source.Reference}' does not exist");
            case ImageSourceKind.SandboxDirectory when !System.IO.Directory.Exists(source.Reference):
                throw new ImagePreparationException(
                    $"image '{source.Reference}' does not exist (a local image must be a .sif file, a .def file or a sandbox directory)");
            case ImageSourceKind.SifFile or ImageSourceKind.SandboxDirectory:
                return source.Reference;
            case ImageSourceKind.DefinitionFile when !File.Exists(source.Reference):
                throw new ImagePreparationException($"definition file '{source.Reference}' does not exist");
            case ImageSourceKind.DockerArchive or ImageSourceKind.OciArchive or ImageSourceKind.OciLayout
                when !File.Exists(source.ArchivePath) && !System.IO.Directory.Exists(source.ArchivePath):
                throw new ImagePreparationException($"image '{source.Reference}': '{source.ArchivePath}' does not exist");
            default:
                return null;
        }
    }

    /// <summary>
    /// An empty overlay image of <paramref name="sizeMb"/> MB, made once per size with <c>apptainer overlay create</c>
    /// (so its upper directory belongs to the user Apptainer runs as) and kept beside the images. Tasks get sparse
    /// copies of it, which takes milliseconds instead of the second mkfs needs for each new image.
    /// </summary>
    public async Task<string> OverlayTemplateAsync(int sizeMb, string apptainer, CancellationToken cancellationToken)
    {
        var target = Path.Combine(Directory, $"overlay-template-{sizeMb}mb.img");
        var template = await _once.GetAsync("overlay:" + sizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture), async () =>
        {
            await CreateOnceAsync(target, $"the {sizeMb} MB overlay template", async partial =>
            {
                logger.LogInformation("Creating {Size}MB overlay template (once per size): {Path}", sizeMb, target);
                var argv = ApptainerCommandLine.CreateOverlay(apptainer, sizeMb, partial);
                var result = await ProcessRunner.RunAsync(argv[0], argv.Skip(1).ToArray(), Directory, cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
                if (result.ExitCode != 0 || !File.Exists(partial))
                {
                    throw new ImagePreparationException(
                        $"could not create a {sizeMb} MB overlay in {Directory} (apptainer overlay create exited with {result.ExitCode}): " +
                        string.Join(" ", result.StderrTail));
                }
            }, digests: null, cancellationToken).ConfigureAwait(false);
            return new PreparedImage(target, TimeSpan.Zero);
        }).ConfigureAwait(false);
        return template.Path;
    }

    /// <summary>
    /// Makes <paramref name="target"/> exist, once across processes: under an exclusive lock file beside it,
    /// <paramref name="create"/> writes a temporary name that is then renamed into place, so no reader ever sees half
    /// a file. Returns false when the file already existed (made earlier, or by a concurrent run we waited for) and,
    /// where <paramref name="digests"/> keeps its checksum, is still what was made.
    /// </summary>
    private async Task<bool> CreateOnceAsync(string target, string what, Func<string, Task> create, CachedImageDigests? digests,
        CancellationToken cancellationToken)
    {
        PrepareDirectory();
        await using (await AcquireLockAsync(target + ".lock", what, cancellationToken).ConfigureAwait(false))
        {
            if (File.Exists(target) && (digests is null || await digests.IsIntactAsync(target, cancellationToken).ConfigureAwait(false)))
            {
                return false;
            }

            var partial = Path.Combine(Directory, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.partial");
            try
            {
                await create(partial).ConfigureAwait(false);
                File.Move(partial, target, overwrite: false);
                if (digests is not null) await digests.RecordAsync(target, CancellationToken.None).ConfigureAwait(false);
                return true;
            }
            finally
            {
                TryDelete(partial);
            }
        }
    }

    private void PrepareDirectory()
    {
        access.CreateDirectory(Directory);
        if (access.CloseIfOpen(Directory))
        {
            logger.LogWarning("The image cache {Directory} was open to other users; it is now closed to them (0700)", Directory);
        }

        if (Interlocked.Exchange(ref _swept, 1) == 0) AbandonedBuilds.Sweep(Directory, logger);
    }

    /// <summary>
    /// Builds <paramref name="plan"/>'s source (a tag's pinned digest, or the source itself); the log names the source as
    /// written. Registry sources are limited by pull_timeout_seconds, the rest by build_timeout_seconds.
    /// </summary>
    private async Task BuildAsync(ImageSource source, ImagePlan plan, string partial, string apptainer, CancellationToken cancellationToken)
    {
        var fakeroot = source.Kind == ImageSourceKind.DefinitionFile && options.Fakeroot switch
        {
            FakerootMode.Always => true,
            FakerootMode.Never => false,
            _ => !Environment.IsPrivilegedProcess || access.User is not null,
        };
        logger.LogInformation("Building SIF image from: {Source}{Fakeroot}", source.Reference, fakeroot ? " (--fakeroot)" : "");

        var (limit, limitName) = plan.IsPull ? (options.PullTimeoutSeconds, "pull_timeout_seconds") : (options.BuildTimeoutSeconds, "build_timeout_seconds");
        // Apptainer's build scratch goes into a folder of this build's own, removed when it ends however it ends (and
        // by the next run's sweep when the engine is killed), never into a shared temp folder that keeps it forever.
        var scratch = Path.Combine(Directory, $"{AbandonedBuilds.ScratchPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        access.CreateDirectory(scratch);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(limit));
        try
        {
            var workingDirectory = source.Kind == ImageSourceKind.DefinitionFile ? Path.GetDirectoryName(source.Reference)! : Directory;
            var argv = ApptainerCommandLine.Build(apptainer, partial, plan.Build.Reference, fakeroot);
            var result = await ProcessRunner.RunAsync(
                argv[0],
                argv.Skip(1).ToArray(),
                workingDirectory,
                BuildEnvironment(scratch, plan.Build),
                onStdout: line => logger.LogDebug("[build {Source}] {Line}", source.Reference, line),
                onStderr: line => logger.LogDebug("[build {Source}] {Line}", source.Reference, line),
                cancellationToken: timeout.Token).ConfigureAwait(false);
            if (result.ExitCode != 0 || !File.Exists(partial))
            {
                var message = string.Join(Environment.NewLine, result.StderrTail.Concat(result.StdoutTail.TakeLast(5)));
                throw new ImagePreparationException(
                    $"building image from '{source.Reference}' failed (apptainer build exited with {result.ExitCode}):{Environment.NewLine}{message}");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ImagePreparationException(plan.IsPull
                ? $"pulling image '{plan.Build.Reference}' took longer than {limit} s ({limitName}); the registry is slow or unreachable"
                : $"building image from '{source.Reference}' took longer than {limit} s ({limitName})");
        }
        finally
        {
            try { System.IO.Directory.Delete(scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private Dictionary<string, string?> BuildEnvironment(string scratch, ImageSource build)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        // A [registry:HOST] login reaches Apptainer's pull the way Apptainer reads one; the variables are never logged.
        if (DockerReference.TryParse(build.Reference) is { } docker)
        {
            foreach (var (name, value) in _logins.ForApptainer(docker.Registry)) environment[name] = value;
        }

        if (!string.IsNullOrWhiteSpace(options.CacheDir)) environment["APPTAINER_CACHEDIR"] = options.CacheDir;
        environment["APPTAINER_TMPDIR"] = string.IsNullOrWhiteSpace(options.TmpDir) ? scratch : options.TmpDir;
        if (options.NoHttps) environment["APPTAINER_NOHTTPS"] = "1";
        return environment;
    }

    private async Task<FileStream> AcquireLockAsync(string path, string what, CancellationToken cancellationToken)
    {
        var waited = false;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock) on Unix, released if the process dies.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                if (!waited)
                {
                    logger.LogInformation("Waiting for another run that is making {What}", what);
                    waited = true;
                }

                await Task.Delay(LockPollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
