using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Dagon.Execution.Apptainer;
using Dagon.Execution.Processes;
using Dagon.Model;
using Microsoft.Extensions.Logging;

namespace Dagon.Execution.Ssh;

/// <summary>
/// Each host's own image cache (<c>image_cache_dir</c> on the host): every distinct image is made ready once per host
/// and reused by later tasks and runs. Registry sources and .def files are built on the host; a local .sif (or, with
/// <c>image_build = local</c>, an image built here) is uploaded and its sha256 checked on the host before use.
/// Images land under a temporary name and are renamed into place, so a reader never sees half an image.
/// </summary>
public sealed class RemoteImageCache(ImageCache localImages, ApptainerOptions localOptions, ILogger<RemoteImageCache> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _localHashes = new(StringComparer.Ordinal);
    private int _builds;
    private int _uploads;

    /// <summary>Images built on hosts by this instance (not found in a host's cache).</summary>
    public int BuildCount => Volatile.Read(ref _builds);

    public int UploadCount => Volatile.Read(ref _uploads);

    public Task<string> PrepareAsync(SshHostConnection host, RemoteHostEnvironment environment, ImageSource source, CancellationToken cancellationToken)
    {
        var cacheDir = environment.Expand(host.Options.EffectiveImageCacheDir);
        var key = $"{host.Options.Describe()}|{cacheDir}|{source.Kind}:{source.Reference}";
        var lazy = _pending.GetOrAdd(key, _ => new Lazy<Task<string>>(() => PrepareCoreAsync(host, environment, cacheDir, source, cancellationToken)));
        var task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled) _pending.TryRemove(new KeyValuePair<string, Lazy<Task<string>>>(key, lazy));
        return task;
    }

    private async Task<string> PrepareCoreAsync(SshHostConnection host, RemoteHostEnvironment environment, string cacheDir, ImageSource source, CancellationToken cancellationToken)
    {
        var options = host.Options;
        var name = options.Name;
        switch (source.Kind)
        {
            case ImageSourceKind.SandboxDirectory:
                throw new ImagePreparationException(
                    $"image '{source.Reference}' is a local sandbox directory, which is not sent to remote hosts; build a SIF from it " +
                    $"(apptainer build image.sif {source.Reference}) and use that, or build the image on host '{name}'");
            case ImageSourceKind.SifFile:
                return await UploadSifAsync(host, cacheDir, source.Reference, cancellationToken).ConfigureAwait(false);
            case ImageSourceKind.DefinitionFile when !File.Exists(source.Reference):
                throw new ImagePreparationException($"definition file '{source.Reference}' does not exist");
        }

        if (options.ImageBuild == RemoteImageBuild.Local)
        {
            logger.LogInformation("Building {Source} here for host {Host} (image_build = local)", source.Reference, name);
            var apptainer = ApptainerLocator.Resolve(localOptions.Executable);
            var local = await localImages.PrepareAsync(source, apptainer, cancellationToken).ConfigureAwait(false);
            return await UploadSifAsync(host, cacheDir, local.Path, cancellationToken).ConfigureAwait(false);
        }

        return await BuildOnHostAsync(host, environment, cacheDir, source, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> BuildOnHostAsync(SshHostConnection host, RemoteHostEnvironment environment, string cacheDir, ImageSource source, CancellationToken cancellationToken)
    {
        var options = host.Options;
        var isDefinition = source.Kind == ImageSourceKind.DefinitionFile;
        var definition = isDefinition ? await File.ReadAllTextAsync(source.Reference, cancellationToken).ConfigureAwait(false) : null;
        var key = Hash(isDefinition ? definition! : source.Reference)[..16];
        var target = $"{cacheDir}/{ReadableName(source)}-{key}.sif";
        var partial = $"{target}.partial.{Guid.NewGuid():N}";
        var apptainer = ShellQuote.Quote(options.EffectiveApptainer);
        var q = ShellQuote.Quote;

        var script = new StringBuilder();
        // Concurrent runs on one host wait for each other's build (flock, where the host has it) instead of building twice.
        script.Append($"mkdir -p {q(cacheDir)} || exit 1; ");
        script.Append($"if command -v flock >/dev/null 2>&1; then exec 9> {q(target + ".lock")} && flock 9; fi; ");
        script.Append($"if [ -f {q(target)} ]; then echo cached; exit 0; fi; ");
        string buildSource;
        if (isDefinition)
        {
            // The definition travels inside the command itself (quoted), so a small .def needs no SFTP connection.
            var defPath = $"{cacheDir}/{ReadableName(source)}-{key}.def";
            script.Append($"printf '%s' {q(definition!)} > {q(defPath)} || exit 1; cd {q(cacheDir)} || exit 1; ");
            buildSource = defPath;
        }
        else
        {
            buildSource = source.Reference;
        }

        var fakeroot = isDefinition && (options.Fakeroot ?? true) ? "--fakeroot " : "";
        script.Append($"{apptainer} build {fakeroot}{q(partial)} {q(buildSource)} && mv -f {q(partial)} {q(target)} && echo built; ");
        script.Append($"status=$?; rm -f {q(partial)}; exit $status");

        var stopwatch = Stopwatch.StartNew();
        logger.LogInformation("Preparing image on host {Host} from: {Source}", options.Name, source.Reference);
        RemoteResult result;
        try
        {
            result = await host.RunAsync(script.ToString(),
                onStderr: line => logger.LogDebug("[build on {Host}] {Line}", options.Name, line),
                timeout: TimeSpan.FromSeconds(localOptions.BuildTimeoutSeconds),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new ImagePreparationException($"building image '{source.Reference}' on host '{options.Name}' took longer than {localOptions.BuildTimeoutSeconds} s");
        }

        if (!result.Succeeded)
        {
            var tail = string.Join(Environment.NewLine, result.StderrTail);
            var hint = source.Kind is ImageSourceKind.Docker or ImageSourceKind.Library or ImageSourceKind.Oras or ImageSourceKind.Http
                ? " If the host cannot reach the registry, set image_build = local for it: the image is then built here and uploaded."
                : "";
            throw new ImagePreparationException(
                $"building image '{source.Reference}' on host '{options.Name}' failed (apptainer build exited with {result.ExitCode}).{hint}{Environment.NewLine}{tail}");
        }

        if (result.Stdout.Contains("cached", StringComparison.Ordinal))
        {
            logger.LogInformation("Using cached SIF image on host {Host}: {Path}", options.Name, target);
        }
        else
        {
            Interlocked.Increment(ref _builds);
            logger.LogInformation("Remote SIF image built successfully on host {Host}: {Path} ({Seconds:F1} s)", options.Name, target, stopwatch.Elapsed.TotalSeconds);
        }

        return target;
    }

    private async Task<string> UploadSifAsync(SshHostConnection host, string cacheDir, string localPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(localPath)) throw new ImagePreparationException($"image file '{localPath}' does not exist");
        var name = host.Options.Name;
        var hash = await LocalHashAsync(localPath, cancellationToken).ConfigureAwait(false);
        var target = $"{cacheDir}/{Path.GetFileNameWithoutExtension(localPath).Replace(' ', '_')}-{hash[..16]}.sif";
        var q = ShellQuote.Quote;
        var present = await host.RunCheckedAsync($"if [ -f {q(target)} ]; then echo yes; else mkdir -p {q(cacheDir)} && echo no; fi",
            "checking the image cache", cancellationToken).ConfigureAwait(false);
        if (present.Trim() == "yes")
        {
            logger.LogInformation("Using cached SIF image on host {Host}: {Path}", name, target);
            return target;
        }

        var size = new FileInfo(localPath).Length;
        logger.LogInformation("Uploading SIF image {Local} to host {Host} ({Size:F1} MB)", localPath, name, size / 1048576.0);
        var partial = $"{target}.partial.{Guid.NewGuid():N}";
        var sftp = await host.GetSftpAsync(cancellationToken).ConfigureAwait(false);
        await using (var stream = File.OpenRead(localPath))
        {
            await sftp.UploadFileAsync(stream, partial, cancellationToken).ConfigureAwait(false);
        }

        var remoteHash = await host.RunCheckedAsync($"sha256sum {q(partial)} | cut -c1-64", "computing the image checksum", cancellationToken).ConfigureAwait(false);
        if (!string.Equals(remoteHash.Trim(), hash, StringComparison.OrdinalIgnoreCase))
        {
            await host.RunAsync($"rm -f {q(partial)}", cancellationToken: CancellationToken.None).ConfigureAwait(false);
            throw new ImagePreparationException(
                $"uploading image '{localPath}' to host '{name}' corrupted it: sha256 here {hash}, on the host {remoteHash.Trim()}");
        }

        await host.RunCheckedAsync($"mv -f {q(partial)} {q(target)}", "storing the image", cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _uploads);
        logger.LogInformation("SIF image uploaded to host {Host}: {Path} (sha256 {Hash} verified)", name, target, hash[..16]);
        return target;
    }

    private async Task<string> LocalHashAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        var key = $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
        if (_localHashes.TryGetValue(key, out var known)) return known;
        await using var stream = File.OpenRead(path);
        var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        _localHashes[key] = hash;
        return hash;
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string ReadableName(ImageSource source)
    {
        var last = source.Reference.TrimEnd('/');
        last = last[(last.LastIndexOf('/') + 1)..];
        if (source.Kind == ImageSourceKind.DefinitionFile) last = Path.GetFileNameWithoutExtension(last);
        var builder = new StringBuilder();
        foreach (var c in last) builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        return builder.Length == 0 ? "image" : builder.ToString();
    }
}
