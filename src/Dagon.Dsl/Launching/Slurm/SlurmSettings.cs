using Dagon.Model;
using Microsoft.Extensions.Configuration;

namespace Dagon.Launching.Slurm;

/// <summary>
/// Slurm settings as dagon.ini gives them: the <c>[slurm]</c> section, and per host profile the <c>slurm_</c> keys and
/// the <c>scheduler</c> of its <c>[host:NAME]</c> section. Read here from the configuration rather than from the SSH
/// host profiles, so the launcher never depends on how a place is reached.
/// </summary>
public sealed class SlurmSettings
{
    private const string HostPrefix = "host";
    private const string KeyPrefix = "slurm_";
    private readonly IConfiguration _configuration;

    public SlurmSettings(IConfiguration configuration) => _configuration = configuration;

    /// <summary>The settings for jobs on <paramref name="host"/> (null: this machine), host keys over <c>[slurm]</c>.</summary>
    /// <exception cref="InvalidOperationException">A setting has the wrong type; the message names it.</exception>
    public SlurmOptions For(string? host)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in _configuration.GetSection(SlurmOptions.Section).AsEnumerable(makePathsRelative: true))
        {
            if (pair.Value is not null) values[pair.Key] = pair.Value;
        }

        if (host is not null)
        {
            foreach (var pair in _configuration.GetSection($"{HostPrefix}:{host}").AsEnumerable(makePathsRelative: true))
            {
                if (pair.Value is not null && pair.Key.StartsWith(KeyPrefix, StringComparison.OrdinalIgnoreCase)) values[pair.Key[KeyPrefix.Length..]] = pair.Value;
            }
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build().Get<SlurmOptions>() ?? new SlurmOptions();
    }

    /// <summary>The <c>scheduler</c> of <c>[host:NAME]</c>, or null when unset.</summary>
    /// <exception cref="InvalidOperationException">The value is neither <c>direct</c> nor <c>slurm</c>.</exception>
    public Scheduler? HostScheduler(string? host)
    {
        if (host is null) return null;
        var value = _configuration[$"{HostPrefix}:{host}:scheduler"];
        if (string.IsNullOrWhiteSpace(value)) return null;
        return Enum.TryParse<Scheduler>(value.Trim(), ignoreCase: true, out var scheduler) && Enum.IsDefined(scheduler)
            ? scheduler
            : throw new InvalidOperationException($"scheduler = {value} in [host:{host}] of dagon.ini is neither 'direct' nor 'slurm'");
    }
}
