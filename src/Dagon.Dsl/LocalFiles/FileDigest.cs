using System.Security.Cryptography;

namespace Dagon.LocalFiles;

/// <summary>The sha256 of a file on this machine, as lower-case hex: what staging, image keys and cache checks compare.</summary>
public static class FileDigest
{
    public static string Sha256(string path)
    {
        using var stream = Open(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = Open(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    private static FileStream Open(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
}
