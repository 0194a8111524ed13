namespace Dagon.Images;

/// <summary>
/// A <c>docker://</c> reference taken apart the way registries read it: registry host, repository, and a tag or a
/// digest. <c>docker://ubuntu:20.04</c> is Docker Hub's <c>library/ubuntu</c>, tag <c>20.04</c>.
/// </summary>
public sealed record DockerReference(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string Scheme = "docker://";

    public static DockerReference? TryParse(string reference)
    {
        if (!reference.StartsWith(Scheme, StringComparison.Ordinal)) return null;
        var rest = reference[Scheme.Length..];
        string? digest = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!IsDigest(digest)) return null;
        }

        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
        }

        var slash = rest.IndexOf('/');
        var first = slash < 0 ? "" : rest[..slash];
        var hasRegistry = first.Contains('.') || first.Contains(':') || first == "localhost";
        var registry = hasRegistry ? first : "registry-1.docker.io";
        var repository = hasRegistry ? rest[(slash + 1)..] : rest;
        if (!hasRegistry && !repository.Contains('/')) repository = "library/" + repository;
        if (repository.Length == 0) return null;
        return new DockerReference(registry, repository, digest is null ? tag ?? "latest" : tag, digest);
    }

    /// <summary><c>sha256:</c> and 64 lower-case hex digits.</summary>
    public static bool IsDigest(string? text) =>
        text is { Length: 71 } && text.StartsWith("sha256:", StringComparison.Ordinal) && text[7..].All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));

    /// <summary>The reference pinned to <paramref name="digest"/>: what is built, so the image is exactly that digest.</summary>
    public string PinnedTo(string digest) => $"{Scheme}{Registry}/{Repository}@{digest}";

    /// <summary>The name of a digest's file in a library folder: <c>sha256-HEX.sif</c>.</summary>
    public static string LibraryFileName(string digest) => digest.Replace(':', '-') + ".sif";
}
