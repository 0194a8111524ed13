using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Dagon.Places.Ssh;

/// <summary>
/// Every host profile of the configuration, and the ad-hoc form tasks may name instead of a profile:
/// <c>ssh://user@address:port</c> (DagOnStar's per-task <c>ip</c>, <c>ssh_username</c>, <c>ssh_port</c>), which takes
/// its key, known_hosts and remote settings from <c>[ssh]</c>.
/// </summary>
public sealed class SshHostProfiles
{
    public const string DefaultSection = "ssh";
    public const string HostSectionPrefix = "host";

    private readonly Dictionary<string, SshHostOptions> _profiles = new(StringComparer.Ordinal);
    private readonly SshHostOptions _defaults;

    private readonly Dictionary<string, string> _invalid = new(StringComparer.Ordinal);

    public SshHostProfiles(IConfiguration configuration)
    {
        // A malformed value (ssh_port = abc) must fail the tasks on that host with its name, not the engine's start.
        _defaults = Bind(configuration.GetSection(DefaultSection), DefaultSection) ?? new SshHostOptions();
        _defaults.Name = DefaultSection;
        if (_defaults.Address is not null)
        {
            _profiles[DefaultSection] = _defaults;
            _profiles["default"] = _defaults;
        }

        foreach (var section in configuration.GetSection(HostSectionPrefix).GetChildren())
        {
            var profile = Bind(section, $"{HostSectionPrefix}:{section.Key}");
            if (profile is null) continue;
            profile.Name = section.Key;
            _profiles[section.Key] = profile.WithDefaults(_defaults);
        }
    }

    private SshHostOptions? Bind(IConfigurationSection section, string label)
    {
        try
        {
            return section.Get<SshHostOptions>();
        }
        catch (InvalidOperationException exception)
        {
            var message = $"invalid setting in the [{label}] section of dagon.ini: {exception.Message}";
            _invalid[section.Key] = message;
            if (label == DefaultSection) _invalid["default"] = message;
            return null;
        }
    }

    public SshHostProfiles(IEnumerable<SshHostOptions> profiles)
    {
        _defaults = new SshHostOptions();
        foreach (var profile in profiles) _profiles[profile.Name] = profile;
    }

    public IReadOnlyCollection<string> Names => _profiles.Keys;

    /// <summary>True when a task naming <paramref name="host"/> runs over SSH (a profile, or an ssh:// address).</summary>
    public bool Knows(string host) =>
        _profiles.ContainsKey(host) || _invalid.ContainsKey(host) || host.StartsWith("ssh://", StringComparison.Ordinal);

    /// <exception cref="SshHostException">The profile is missing or has an invalid setting.</exception>
    public SshHostOptions Resolve(string host)
    {
        if (_invalid.TryGetValue(host, out var invalid)) throw new SshHostException(invalid);
        if (_profiles.TryGetValue(host, out var profile)) return profile;
        if (host.StartsWith("ssh://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            {
                throw new SshHostException($"'{host}' is not a valid ssh://user@host:port address");
            }

            var key = uri.Query.TrimStart('?').Split('&')
                .Where(p => p.StartsWith("key=", StringComparison.Ordinal))
                .Select(p => Uri.UnescapeDataString(p[4..]))
                .FirstOrDefault();
            return new SshHostOptions
            {
                Name = host,
                Address = uri.Host.Trim('[', ']'),
                User = uri.UserInfo.Length > 0 ? Uri.UnescapeDataString(uri.UserInfo) : null,
                Port = uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port,
                KeyPath = key,
            }.WithDefaults(_defaults);
        }

        throw new SshHostException($"no host profile '{host}': add a [host:{host}] section (or [ssh]) to dagon.ini");
    }

    /// <summary>The ad-hoc host string for DagOnStar's per-task <c>ip</c>, <c>ssh_username</c>, <c>ssh_port</c> (and key).</summary>
    public static string AdHoc(string address, string? user = null, int port = 22, string? privateKey = null)
    {
        var host = address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address;
        var userPart = user is null ? "" : Uri.EscapeDataString(user) + "@";
        var keyPart = privateKey is null ? "" : "?key=" + Uri.EscapeDataString(privateKey);
        return string.Create(CultureInfo.InvariantCulture, $"ssh://{userPart}{host}:{port}{keyPart}");
    }
}
