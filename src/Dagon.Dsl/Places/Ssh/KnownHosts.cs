using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Dagon.Places.Ssh;

public enum HostKeyStatus
{
    /// <summary>known_hosts holds this very key for the host.</summary>
    Trusted,
    /// <summary>known_hosts has no key of this type for the host.</summary>
    Unknown,
    /// <summary>known_hosts holds a different key of the same type for the host: possibly a man-in-the-middle.</summary>
    Changed,
    /// <summary>The key is marked <c>@revoked</c>.</summary>
    Revoked,
}

public sealed record HostKeyCheck(HostKeyStatus Status, string KeyType, string Fingerprint, string? File = null, int? Line = null);

/// <summary>
/// An OpenSSH known_hosts file: plain and hashed (<c>|1|salt|hash</c>) host names, <c>[host]:port</c> for ports other
/// than 22, comma-separated patterns with <c>*</c>, <c>?</c> and <c>!</c> negation, and the <c>@revoked</c> marker.
/// <c>@cert-authority</c> lines are ignored (host certificates are not accepted).
/// </summary>
public sealed class KnownHosts
{
    private readonly List<Entry> _entries = [];

    private KnownHosts(string? path) => Path = path;

    public string? Path { get; }

    public static KnownHosts Load(string path)
    {
        var hosts = new KnownHosts(path);
        if (File.Exists(path)) hosts.AddLines(File.ReadAllLines(path));
        return hosts;
    }

    public static KnownHosts Parse(string text)
    {
        var hosts = new KnownHosts(null);
        hosts.AddLines(text.Split('\n'));
        return hosts;
    }

    /// <summary>The name known_hosts files use for a host: <c>host</c> on port 22, <c>[host]:port</c> otherwise.</summary>
    public static string LookupName(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    /// <summary>OpenSSH's fingerprint of a public key blob: <c>SHA256:</c> and unpadded base64.</summary>
    public static string Fingerprint(byte[] keyBlob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');

    /// <summary>The key type written inside a public key blob (<c>ssh-ed25519</c>, <c>ssh-rsa</c>, ...).</summary>
    public static string KeyTypeOf(byte[] keyBlob)
    {
        if (keyBlob.Length < 4) return "unknown";
        var length = BinaryPrimitives.ReadInt32BigEndian(keyBlob);
        return length > 0 && length <= keyBlob.Length - 4 ? Encoding.ASCII.GetString(keyBlob, 4, length) : "unknown";
    }

    /// <summary>Key types known_hosts holds for the host (to prefer them when negotiating, as OpenSSH does).</summary>
    public IReadOnlySet<string> KeyTypesFor(string host, int port)
    {
        var name = LookupName(host, port);
        return _entries.Where(e => e.Marker is null && e.Matches(name)).Select(e => e.KeyType).ToHashSet(StringComparer.Ordinal);
    }

    public HostKeyCheck Check(string host, int port, byte[] keyBlob)
    {
        var name = LookupName(host, port);
        var type = KeyTypeOf(keyBlob);
        var fingerprint = Fingerprint(keyBlob);
        var matching = _entries.Where(e => e.Matches(name)).ToList();
        var revoked = _entries.FirstOrDefault(e => e.Marker == "@revoked" && e.Key.AsSpan().SequenceEqual(keyBlob));
        if (revoked is not null) return new HostKeyCheck(HostKeyStatus.Revoked, type, fingerprint, Path, revoked.Line);
        var same = matching.FirstOrDefault(e => e.Marker is null && e.Key.AsSpan().SequenceEqual(keyBlob));
        if (same is not null) return new HostKeyCheck(HostKeyStatus.Trusted, type, fingerprint, Path, same.Line);
        var changed = matching.FirstOrDefault(e => e.Marker is null && e.KeyType == type);
        if (changed is not null) return new HostKeyCheck(HostKeyStatus.Changed, type, fingerprint, Path, changed.Line);
        return new HostKeyCheck(HostKeyStatus.Unknown, type, fingerprint, Path);
    }

    private void AddLines(IEnumerable<string> lines)
    {
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            string? marker = null;
            var i = 0;
            if (fields[0].StartsWith('@'))
            {
                marker = fields[0];
                i = 1;
            }

            if (fields.Length < i + 3) continue;
            byte[] key;
            try
            {
                key = Convert.FromBase64String(fields[i + 2]);
            }
            catch (FormatException)
            {
                continue; // a damaged line must not make the whole file unusable, exactly as in OpenSSH
            }

            if (marker == "@cert-authority") continue;
            _entries.Add(new Entry(marker, fields[i], fields[i + 1], key, number));
        }
    }

    private sealed record Entry(string? Marker, string Hosts, string KeyType, byte[] Key, int Line)
    {
        public bool Matches(string name)
        {
            if (Hosts.StartsWith("|1|", StringComparison.Ordinal)) return HashedMatches(name);
            var matched = false;
            foreach (var pattern in Hosts.Split(','))
            {
                if (pattern.StartsWith('!'))
                {
                    if (Glob(pattern[1..], name)) return false;
                }
                else if (Glob(pattern, name))
                {
                    matched = true;
                }
            }

            return matched;
        }

        private bool HashedMatches(string name)
        {
            var parts = Hosts.Split('|');
            if (parts.Length != 4) return false;
            try
            {
                var salt = Convert.FromBase64String(parts[2]);
                var hash = Convert.FromBase64String(parts[3]);
                return CryptographicOperations.FixedTimeEquals(HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name)), hash);
            }
            catch (FormatException)
            {
                return false;
            }
        }

        private static bool Glob(string pattern, string text)
        {
            // Host names compare case-insensitively, as in OpenSSH's match_pattern on lowercased names.
            pattern = pattern.ToLowerInvariant();
            text = text.ToLowerInvariant();
            var (p, t, star, mark) = (0, 0, -1, 0);
            while (t < text.Length)
            {
                if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t])) { p++; t++; }
                else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
                else if (star >= 0) { p = star + 1; t = ++mark; }
                else return false;
            }

            while (p < pattern.Length && pattern[p] == '*') p++;
            return p == pattern.Length;
        }
    }
}
