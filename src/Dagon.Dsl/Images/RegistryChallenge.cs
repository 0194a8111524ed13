using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Dagon.Images;

/// <summary>
/// A registry's <c>WWW-Authenticate</c> answer to an unauthenticated request: <c>Basic realm="..."</c>, or
/// <c>Bearer realm="URL",service="...",scope="..."</c>, which names the token endpoint to ask.
/// </summary>
internal sealed partial record RegistryChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);

    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    public static RegistryChallenge? From(HttpResponseHeaders headers)
    {
        var header = headers.WwwAuthenticate.FirstOrDefault(h => h.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            ?? headers.WwwAuthenticate.FirstOrDefault();
        if (header is null) return null;
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match match in Parameter().Matches(header.Parameter ?? ""))
        {
            parameters[match.Groups["key"].Value] = match.Groups["quoted"].Success ? match.Groups["quoted"].Value : match.Groups["bare"].Value;
        }

        return new RegistryChallenge(header.Scheme, parameters);
    }

    /// <summary>
    /// The token URL: the realm with <c>service</c> and <c>scope</c> (pull rights on the repository when the registry
    /// named none). Null when the realm is not an absolute http(s) URL.
    /// </summary>
    public Uri? TokenUrl(string repository)
    {
        if (!Parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var uri) ||
            uri.Scheme is not ("https" or "http"))
        {
            return null;
        }

        var query = new List<string>();
        if (Parameters.TryGetValue("service", out var service)) query.Add("service=" + Uri.EscapeDataString(service));
        var scope = Parameters.TryGetValue("scope", out var named) ? named : $"repository:{repository}:pull";
        query.Add("scope=" + Uri.EscapeDataString(scope));
        var separator = string.IsNullOrEmpty(uri.Query) ? "?" : "&";
        return new Uri(uri + separator + string.Join('&', query));
    }

    [GeneratedRegex("""(?<key>[A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"(?<quoted>[^"]*)"|(?<bare>[^,\s]*))""")]
    private static partial Regex Parameter();
}
