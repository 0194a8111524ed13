using Dagon.Containers;
using Dagon.Model;
using Dagon.Places;

namespace Dagon.Images;

/// <summary>
/// What a real run would do with an image on a place, asked without building, pulling, uploading or recording anything
/// (<c>--dry-run</c>). The decision is the real run's own (<see cref="ImageCache.PreviewAsync"/>,
/// <see cref="HostImageCache.PreviewAsync"/>, both through <see cref="ImagePlanner.PreviewAsync"/>); this adds the checks
/// a build would make later: a definition file's <c>%files</c> sources, and whether a non-docker source answers.
/// </summary>
internal sealed class ImageAvailability(ImageCache localImages, HostImageCache hostImages, ApptainerOptions options)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <returns>(problem, what a real run would do): one of them is null.</returns>
    public async Task<(string? Problem, string? Found)> CheckAsync(ImageSource source, IPlace place, PullPolicy pull, CancellationToken cancellationToken)
    {
        try
        {
            if (source.Kind == ImageSourceKind.DefinitionFile && await MissingCopiedFilesAsync(source, cancellationToken).ConfigureAwait(false) is { } missing)
            {
                return (missing, null);
            }

            var outcome = place.Host is null
                ? await localImages.PreviewAsync(source, pull, cancellationToken).ConfigureAwait(false)
                : await hostImages.PreviewAsync(place, source, pull, cancellationToken).ConfigureAwait(false);
            if (outcome.Problem is { } problem) return (problem, null);
            var found = (source.Kind == ImageSourceKind.DefinitionFile ? "definition file exists; " : "") + outcome.Describe();
            var probeHere = outcome.Kind == ImageOutcomeKind.Pull && (place.Host is null || outcome.Note is not null);
            if (!probeHere || source.Kind is not (ImageSourceKind.Http or ImageSourceKind.Library or ImageSourceKind.Oras)) return (null, found);
            return await ProbeAsync(source, found, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ImagePreparationException or PlaceUnavailableException)
        {
            return (exception.Message, null);
        }
    }

    private static async Task<string?> MissingCopiedFilesAsync(ImageSource source, CancellationToken cancellationToken)
    {
        if (!File.Exists(source.Reference)) return null; // said by the preview, as a real run says it
        var definition = await File.ReadAllTextAsync(source.Reference, cancellationToken).ConfigureAwait(false);
        var missing = DefinitionFile.CopiedSources(definition, Path.GetDirectoryName(source.Reference)!)
            .Where(s => s.Value == "missing").Select(s => s.Key).ToList();
        return missing.Count > 0 ? $"'{source.Reference}' copies files that do not exist: {string.Join(", ", missing)}" : null;
    }

    /// <summary>
    /// A source pulled from this machine without a digest to ask for (library://, oras://, http(s)://): its registry
    /// or file must answer, or the pull would fail.
    /// </summary>
    private async Task<(string?, string?)> ProbeAsync(ImageSource source, string found, CancellationToken cancellationToken)
    {
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

            return (null, $"{found} ({url} answers {(int)response.StatusCode})");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return ($"cannot reach {url} for '{source.Reference}' from this machine: {exception.Message}", null);
        }
    }

    /// <summary>The Sylabs library, an oras:// registry's <c>/v2/</c> endpoint, or the file itself.</summary>
    private Uri ProbeUrl(ImageSource source)
    {
        if (source.Kind == ImageSourceKind.Http) return new Uri(source.Reference);
        if (source.Kind == ImageSourceKind.Library) return new Uri("https://library.sylabs.io/");
        var reference = source.Reference[(source.Reference.IndexOf("://", StringComparison.Ordinal) + 3)..];
        return new Uri($"{(options.NoHttps ? "http" : "https")}://{reference.Split('/')[0]}/v2/");
    }
}
