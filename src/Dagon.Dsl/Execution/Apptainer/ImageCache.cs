using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Dagon.Execution.Processes;
using Dagon.Model;
using Microsoft.Extensions.Logging;

namespace Dagon.Execution.Apptainer;

/// <summary>An image ready to exec: a SIF file or sandbox directory on this machine.</summary>
public sealed record PreparedImage(ImageSource Source, string Path, bool Built, TimeSpan Elapsed);

/// <summary>
/// Builds each distinct image once and keeps it for every later task and run. Tasks of one run share a single build
/// through an in-process map of pending builds; concurrent runs share it through an exclusive lock file next to the
/// image. A build writes to a temporary name and is renamed into place, so no reader ever sees half an image.
/// </summary>
public sealed class ImageCache(ApptainerOptions options, ILogger<ImageCache> logger)
{
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(200);
    private readonly ConcurrentDictionary<string, Lazy<Task<PreparedImage>>> _pending = new(StringComparer.Ordinal);
    private int _builds;

    /// <summary>Images this instance built (not found in the cache).</summary>
    public int BuildCount => Volatile.Read(ref _builds);

    public string Directory => options.ResolveImageCacheDir();

    /// <summary>The cache file an image source maps to; null for sources used in place.</summary>
    public string? CachePathFor(ImageSource source) =>
        source.NeedsBuild ? Path.Combine(Directory, $"{ReadableName(source)}-{CacheKey(source)}.sif") : null;

    public Task<PreparedImage> PrepareAsync(ImageSource source, string apptainer, CancellationToken cancellationToken) =>
        Once(source.Kind + ":" + source.Reference, () => PrepareCoreAsync(source, apptainer, cancellationToken));

    private async Task<PreparedImage> PrepareCoreAsync(ImageSource source, string apptainer, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        switch (source.Kind)
        {
            case ImageSourceKind.SifFile:
                if (!File.Exists(source.Reference))
                {
                    throw new ImagePreparationException($"image file '{source.Reference}' does not exist");
                }

                return new PreparedImage(source, source.Reference, false, stopwatch.Elapsed);
            case ImageSourceKind.SandboxDirectory:
                if (!System.IO.Directory.Exists(source.Reference))
                {
                    throw new ImagePreparationException(
                        $"image '{source.Reference}' does not exist (a local image must be a .sif file, a .def file or a sandbox directory)");
                }

                return new PreparedImage(source, source.Reference, false, stopwatch.Elapsed);
            case ImageSourceKind.DefinitionFile when !File.Exists(source.Reference):
                throw new ImagePreparationException($"definition file '{source.Reference}' does not exist");
        }

        var target = CachePathFor(source)!;
        if (!await CreateOnceAsync(target, source.Reference, partial => BuildAsync(source, partial, apptainer, cancellationToken), cancellationToken)
                .ConfigureAwait(false))
        {
            logger.LogInformation("Using cached SIF image: {Path} (for {Source})", target, source.Reference);
            return new PreparedImage(source, target, false, stopwatch.Elapsed);
        }

        Interlocked.Increment(ref _builds);
        logger.LogInformation("SIF image built: {Path} ({Seconds:F1} s)", target, stopwatch.Elapsed.TotalSeconds);
        return new PreparedImage(source, target, true, stopwatch.Elapsed);
    }

    /// <summary>
    /// An empty overlay image of <paramref name="sizeMb"/> MB, made once per size with <c>apptainer overlay create</c>
    /// (so its upper directory belongs to the user Apptainer runs as) and kept beside the images. Tasks get sparse
    /// copies of it, which takes milliseconds instead of the second mkfs needs for each new image.
    /// </summary>
    public async Task<string> OverlayTemplateAsync(int sizeMb, string apptainer, CancellationToken cancellationToken)
    {
        var target = Path.Combine(Directory, $"overlay-template-{sizeMb}mb.img");
        var template = await Once("overlay:" + sizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture), async () =>
        {
            var created = await CreateOnceAsync(target, $"the {sizeMb} MB overlay template", async partial =>
            {
                logger.LogInformation("Creating {Size}MB overlay template (once per size): {Path}", sizeMb, target);
                var result = await ProcessRunner.RunAsync(apptainer, ApptainerCommandLine.CreateOverlay(sizeMb, partial),
                    Directory, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (result.ExitCode != 0 || !File.Exists(partial))
                {
                    throw new ImagePreparationException(
                        $"could not create a {sizeMb} MB overlay in {Directory} (apptainer overlay create exited with {result.ExitCode}): " +
                        string.Join(" ", result.StderrTail));
                }
            }, cancellationToken).ConfigureAwait(false);
            return new PreparedImage(new ImageSource(ImageSourceKind.SifFile, target), target, created, TimeSpan.Zero);
        }).ConfigureAwait(false);
        return template.Path;
    }

    /// <summary>
    /// One preparation per key in this process: tasks of a run wanting the same image share it. A failed or cancelled
    /// preparation is forgotten, so it does not poison later runs that use this instance.
    /// </summary>
    private Task<PreparedImage> Once(string key, Func<Task<PreparedImage>> prepare)
    {
        var lazy = _pending.GetOrAdd(key, _ => new Lazy<Task<PreparedImage>>(prepare));
        var task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled) _pending.TryRemove(new KeyValuePair<string, Lazy<Task<PreparedImage>>>(key, lazy));
        return task;
    }

    /// <summary>
    /// Makes <paramref name="target"/> exist, once across processes: under an exclusive lock file beside it,
    /// <paramref name="create"/> writes a temporary name that is then renamed into place, so no reader ever sees half
    /// a file. Returns false when the file already existed (made earlier, or by a concurrent run we waited for).
    /// </summary>
    private async Task<bool> CreateOnceAsync(string target, string what, Func<string, Task> create, CancellationToken cancellationToken)
    {
        if (File.Exists(target)) return false;
        SharedDirectory.Create(Directory);
        await using (await AcquireLockAsync(target + ".lock", what, cancellationToken).ConfigureAwait(false))
        {
            if (File.Exists(target)) return false;
            var partial = Path.Combine(Directory, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.partial");
            try
            {
                await create(partial).ConfigureAwait(false);
                File.Move(partial, target, overwrite: false);
                return true;
            }
            finally
            {
                TryDelete(partial);
            }
        }
    }

    private async Task BuildAsync(ImageSource source, string partial, string apptainer, CancellationToken cancellationToken)
    {
        var fakeroot = source.Kind == ImageSourceKind.DefinitionFile && options.Fakeroot switch
        {
            FakerootMode.Always => true,
            FakerootMode.Never => false,
            _ => !Environment.IsPrivilegedProcess || ApptainerRunsUnprivileged(apptainer),
        };
        logger.LogInformation("Building SIF image from: {Source}{Fakeroot}", source.Reference, fakeroot ? " (--fakeroot)" : "");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.BuildTimeoutSeconds));
        try
        {
            var workingDirectory = source.Kind == ImageSourceKind.DefinitionFile ? Path.GetDirectoryName(source.Reference)! : Directory;
            var result = await ProcessRunner.RunAsync(
                apptainer,
                ApptainerCommandLine.Build(partial, source.Reference, fakeroot),
                workingDirectory,
                BuildEnvironment(),
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
            throw new ImagePreparationException($"building image from '{source.Reference}' took longer than {options.BuildTimeoutSeconds} s");
        }
    }

    private Dictionary<string, string?> BuildEnvironment()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(options.CacheDir)) environment["APPTAINER_CACHEDIR"] = options.CacheDir;
        if (!string.IsNullOrWhiteSpace(options.TmpDir)) environment["APPTAINER_TMPDIR"] = options.TmpDir;
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

    /// <summary>
    /// True when the engine runs as root but Apptainer itself does not (the provisioning script's wrapper marks
    /// itself so); definition builds then need --fakeroot like any unprivileged build.
    /// </summary>
    private static bool ApptainerRunsUnprivileged(string apptainer)
    {
        try
        {
            using var reader = new StreamReader(apptainer);
            var buffer = new char[4096];
            var read = reader.Read(buffer, 0, buffer.Length);
            return new string(buffer, 0, read).Contains("dagon-apptainer-wrapper", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string CacheKey(ImageSource source)
    {
        // A definition is identified by its content, so copies of one file share an image; only a definition that
        // copies files (%files, resolved against its folder) also depends on where it is.
        var material = source.Reference;
        if (source.Kind == ImageSourceKind.DefinitionFile)
        {
            var content = File.ReadAllText(source.Reference);
            material = content.Contains("%files", StringComparison.Ordinal)
                ? Path.GetDirectoryName(source.Reference) + "\n" + content
                : content;
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)))[..16];
    }

    private static string ReadableName(ImageSource source)
    {
        var reference = source.Reference;
        var last = reference.TrimEnd('/');
        last = last[(last.LastIndexOf('/') + 1)..];
        if (source.Kind == ImageSourceKind.DefinitionFile) last = Path.GetFileNameWithoutExtension(last);
        var builder = new StringBuilder();
        foreach (var c in last) builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        return builder.Length == 0 ? "image" : builder.ToString();
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
