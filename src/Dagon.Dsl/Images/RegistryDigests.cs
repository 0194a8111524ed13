using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Dagon.Images;

/// <summary>
/// Asks a registry which digest a tag points to, with the distribution API's <c>HEAD /v2/NAME/manifests/TAG</c> and
/// its <c>Docker-Content-Digest</c> header: one small request, no image data, no external program. A registry
/// that wants a login, or does not answer, gives no digest; callers then fall back to the tag.
/// </summary>
public sealed class RegistryDigests(ILogger logger)
{
    private static readonly string[] ManifestTypes =
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    ];

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });

    /// <summary>The digest <paramref name="reference"/>'s tag points to now, or null (with the reason logged).</summary>
    public async Task<string?> ResolveAsync(DockerReference reference, bool plainHttp, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (reference.Digest is not null) return reference.Digest;
        var url = $"{(plainHttp ? "http" : "https")}://{reference.Registry}/v2/{reference.Repository}/manifests/{reference.Tag}";
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        foreach (var type in ManifestTypes) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await Http.SendAsync(request, limit.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogDebug("Registry answered {Status} for {Url}; using the tag", (int)response.StatusCode, url);
                return null;
            }

            var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
            return DockerReference.IsDigest(digest) ? digest : null;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("No digest for {Url}: {Reason}; using the tag", url, exception.Message);
            return null;
        }
    }
}
