using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Dagon.Images;

/// <summary>The digest a tag points to, or why there is none (never holding a credential).</summary>
public sealed record DigestLookup(string? Digest, string? Problem)
{
    /// <summary>The registry did not answer at all (refused, timed out, not found), as opposed to answering without a digest.</summary>
    public bool Unanswered { get; init; }
}

/// <summary>
/// Asks a registry which digest a tag points to, with the distribution API's <c>HEAD /v2/NAME/manifests/TAG</c> and
/// its <c>Docker-Content-Digest</c> header: one small request, no image data, no external program. A registry that
/// answers 401 is logged in to as its <c>WWW-Authenticate</c> header says: <c>Bearer</c> (a token from the named
/// endpoint, anonymous or with the credentials of <see cref="RegistryLogins"/>, as Docker Hub always asks) or
/// <c>Basic</c>. A registry that refuses, or does not answer, gives no digest, and the reason.
/// </summary>
public sealed class RegistryDigests(RegistryLogins logins, ILogger logger)
{
    private static readonly string[] ManifestTypes =
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    ];

    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        // A redirect must not carry the Authorization header to another host; none is followed.
        AllowAutoRedirect = false,
    });

    /// <summary>The digest <paramref name="reference"/>'s tag points to now, or the reason there is none.</summary>
    public async Task<DigestLookup> ResolveAsync(DockerReference reference, bool plainHttp, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (reference.Digest is not null) return new DigestLookup(reference.Digest, null);
        var url = $"{(plainHttp ? "http" : "https")}://{reference.Registry}/v2/{reference.Repository}/manifests/{reference.Tag}";
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await HeadAsync(url, null, limit.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized) return Answer(response, url);
            var login = logins.For(reference.Registry);
            if (RegistryChallenge.From(response.Headers) is not { } challenge)
            {
                return new DigestLookup(null, $"{reference.Registry} answered 401 without saying how to log in");
            }

            var (authorization, problem) = await AuthorizeAsync(challenge, reference, login, plainHttp, limit.Token).ConfigureAwait(false);
            if (authorization is null) return new DigestLookup(null, problem);
            using var retried = await HeadAsync(url, authorization, limit.Token).ConfigureAwait(false);
            return retried.StatusCode == HttpStatusCode.Unauthorized
                ? new DigestLookup(null, Refused(reference, login))
                : Answer(retried, url);
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException || exception is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("No digest for {Url}: {Reason}", url, exception.Message);
            return new DigestLookup(null, $"{reference.Registry} did not answer: {exception.Message}") { Unanswered = true };
        }
    }

    private static async Task<HttpResponseMessage> HeadAsync(string url, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        foreach (var type in ManifestTypes) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        request.Headers.Authorization = authorization;
        return await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static DigestLookup Answer(HttpResponseMessage response, string url)
    {
        if (!response.IsSuccessStatusCode) return new DigestLookup(null, $"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
        return DockerReference.IsDigest(digest)
            ? new DigestLookup(digest, null)
            : new DigestLookup(null, $"{url} answered without a sha256 Docker-Content-Digest header");
    }

    /// <summary>The header that answers the challenge, or why there is none.</summary>
    private async Task<(AuthenticationHeaderValue? Authorization, string? Problem)> AuthorizeAsync(RegistryChallenge challenge,
        DockerReference reference, RegistryLogin? login, bool plainHttp, CancellationToken cancellationToken)
    {
        if (challenge.IsBasic)
        {
            return login is null
                ? (null, $"{reference.Registry} wants a login (Basic) for {reference.Repository}, and none is set: " + HowToLogIn(reference))
                : (Basic(login), null);
        }

        if (!challenge.IsBearer) return (null, $"{reference.Registry} asks for '{challenge.Scheme}' authentication, which is not supported");
        if (challenge.TokenUrl(reference.Repository) is not { } tokenUrl)
        {
            return (null, $"{reference.Registry} named no usable token endpoint (realm) in its Bearer challenge");
        }

        // A login goes in clear text only where the registry itself is spoken to in clear text (nohttps).
        if (login is not null && tokenUrl.Scheme == "http" && !plainHttp)
        {
            return (null, $"{reference.Registry} names a plain-http token endpoint ({tokenUrl.GetLeftPart(UriPartial.Path)}); the login is not sent there");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUrl);
        if (login is not null) request.Headers.Authorization = Basic(login);
        using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return (null, response.StatusCode == HttpStatusCode.Unauthorized
                ? Refused(reference, login)
                : $"the token endpoint {tokenUrl.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var token = json.RootElement.ValueKind == JsonValueKind.Object &&
                    (json.RootElement.TryGetProperty("token", out var value) || json.RootElement.TryGetProperty("access_token", out value)) &&
                    value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
        logger.LogDebug("Token for {Registry}/{Repository} from {Endpoint} ({Who})", reference.Registry, reference.Repository,
            tokenUrl.GetLeftPart(UriPartial.Path), login is null ? "anonymous" : login.Origin);
        return string.IsNullOrEmpty(token)
            ? (null, $"the token endpoint {tokenUrl.GetLeftPart(UriPartial.Path)} answered without a token")
            : (new AuthenticationHeaderValue("Bearer", token), null);
    }

    private static AuthenticationHeaderValue Basic(RegistryLogin login) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{login.User}:{login.Password}")));

    private static string Refused(DockerReference reference, RegistryLogin? login) => login is null
        ? $"{reference.Registry} wants a login for {reference.Repository}, and none is set: " + HowToLogIn(reference)
        : $"{reference.Registry} refused the login of user '{login.User}' (from {login.Origin}) for {reference.Repository}";

    private static string HowToLogIn(DockerReference reference) =>
        $"set {RegistryLogins.UserVariable} and {RegistryLogins.PasswordVariable}, or a [registry:{reference.Registry}] section " +
        "with username and password_env";
}
