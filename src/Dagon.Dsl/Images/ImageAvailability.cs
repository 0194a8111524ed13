using Dagon.Containers;
using Dagon.Model;

namespace Dagon.Images;

/// <summary>
/// Whether an image could be made ready, asked without building or pulling anything (<c>--dry-run</c>): a local file
/// exists, a definition file and its <c>%files</c> sources exist, a cached build is there, or the registry answers.
/// </summary>
public sealed class ImageAvailability(ImageCache cache, ApptainerOptions options)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Null when the image can be used or built; otherwise why not.</summary>
    /// <returns>(problem, what was found): one of them is null.</returns>
    public async Task<(string? Problem, string? Found)> CheckAsync(ImageSource source, bool forRemoteHost, CancellationToken cancellationToken)
    {
        switch (source.Kind)
        {
            case ImageSourceKind.SifFile:
                return File.Exists(source.Reference) ? (null, "image file exists") : ($"image file '{source.Reference}' does not exist", null);
            case ImageSourceKind.SandboxDirectory when forRemoteHost:
                return ($"image '{source.Reference}' is a local sandbox directory, which is not sent to remote hosts", null);
            case ImageSourceKind.SandboxDirectory:
                return Directory.Exists(source.Reference) ? (null, "sandbox directory exists") : ($"image '{source.Reference}' does not exist", null);
            case ImageSourceKind.DefinitionFile:
                return await CheckDefinitionAsync(source, cancellationToken).ConfigureAwait(false);
        }

        if (!forRemoteHost && File.Exists(cache.CachePathFor(source))) return (null, "cached in " + cache.Directory);
        var url = ProbeUrl(source);
        try
        {
            using var request = new HttpRequestMessage(source.Kind == ImageSourceKind.Http ? HttpMethod.Head : HttpMethod.Get, url);
            using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            // A registry answers /v2/ with 200 or 401 (log in first): either way it is there. A file URL must exist.
            if (source.Kind == ImageSourceKind.Http && (int)response.StatusCode >= 400)
            {
                return ($"'{source.Reference}' answers {(int)response.StatusCode} {response.ReasonPhrase}", null);
            }

            return (null, $"{url} answers ({(int)response.StatusCode}); would be pulled and built");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return ($"cannot reach {url} for '{source.Reference}' from this machine: {exception.Message}", null);
        }
    }

    private async Task<(string?, string?)> CheckDefinitionAsync(ImageSource source, CancellationToken cancellationToken)
    {
        if (!File.Exists(source.Reference)) return ($"definition file '{source.Reference}' does not exist", null);
        var definition = await File.ReadAllTextAsync(source.Reference, cancellationToken).ConfigureAwait(false);
        var missing = DefinitionFile.CopiedSources(definition, Path.GetDirectoryName(source.Reference)!)
            .Where(s => s.Value == "missing").Select(s => s.Key).ToList();
        if (missing.Count > 0) return ($"'{source.Reference}' copies files that do not exist: {string.Join(", ", missing)}", null);
        return File.Exists(cache.CachePathFor(source))
            ? (null, "cached in " + cache.Directory)
            : (null, "definition file exists; would be built");
    }

    /// <summary>The registry's <c>/v2/</c> endpoint for docker:// and oras://, the Sylabs library, or the file itself.</summary>
    private Uri ProbeUrl(ImageSource source)
    {
        var scheme = options.NoHttps ? "http" : "https";
        var reference = source.Reference[(source.Reference.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var first = reference.Split('/')[0];
        return source.Kind switch
        {
            ImageSourceKind.Http => new Uri(source.Reference),
            ImageSourceKind.Library => new Uri("https://library.sylabs.io/"),
            // docker://ubuntu:20.04 and docker://user/image name Docker Hub; a first part with '.' or ':' is a registry.
            _ when first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" =>
                new Uri($"{scheme}://{first}/v2/"),
            _ => new Uri("https://registry-1.docker.io/v2/"),
        };
    }
}
