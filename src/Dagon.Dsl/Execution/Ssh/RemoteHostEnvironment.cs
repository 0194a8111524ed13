using System.Collections.Concurrent;

namespace Dagon.Execution.Ssh;

/// <summary>What the engine learned about a host by asking it once: its user, home and whether Apptainer is there.</summary>
public sealed record RemoteHostEnvironment(string User, string Home, string? ApptainerPath, string ApptainerVersion)
{
    /// <summary>
    /// Expands <c>~</c>, <c>$HOME</c>, <c>${HOME}</c>, <c>$USER</c> and <c>${USER}</c> with the host's values. Done here
    /// with values the host reported rather than by the host's shell, so a configured path is never evaluated as code.
    /// </summary>
    public string Expand(string path)
    {
        if (path == "~") path = Home;
        else if (path.StartsWith("~/", StringComparison.Ordinal)) path = Home + path[1..];
        return path.Replace("${HOME}", Home, StringComparison.Ordinal).Replace("$HOME", Home, StringComparison.Ordinal)
            .Replace("${USER}", User, StringComparison.Ordinal).Replace("$USER", User, StringComparison.Ordinal);
    }

    /// <summary>Asks the host once per connection object; later callers get the same answer.</summary>
    public static Task<RemoteHostEnvironment> ProbeAsync(SshHostConnection connection, CancellationToken cancellationToken) =>
        Probes.GetOrAdd(connection, c => new Lazy<Task<RemoteHostEnvironment>>(() => ProbeCoreAsync(c, cancellationToken))).Value;

    private static readonly ProbeCache Probes = new();

    private static async Task<RemoteHostEnvironment> ProbeCoreAsync(SshHostConnection connection, CancellationToken cancellationToken)
    {
        var apptainer = ShellQuote.Quote(connection.Options.EffectiveApptainer);
        var output = await connection.RunCheckedAsync(
            $"printf '%s\\n' \"${{USER:-$(id -un)}}\" \"$HOME\"; " +
            $"if p=$(command -v {apptainer}); then printf '%s\\n' \"$p\"; {apptainer} --version 2>&1 | head -n 1; else echo; echo; fi",
            "probing the host", cancellationToken).ConfigureAwait(false);
        var lines = output.Split('\n');
        string Line(int i) => i < lines.Length ? lines[i].Trim() : "";
        return new RemoteHostEnvironment(Line(0), Line(1), Line(2).Length == 0 ? null : Line(2), Line(3));
    }

    /// <summary>Probe results keyed by connection; dropped with it.</summary>
    private sealed class ProbeCache
    {
        private readonly ConcurrentDictionary<SshHostConnection, Lazy<Task<RemoteHostEnvironment>>> _map = new();

        public Lazy<Task<RemoteHostEnvironment>> GetOrAdd(SshHostConnection key, Func<SshHostConnection, Lazy<Task<RemoteHostEnvironment>>> factory)
        {
            var lazy = _map.GetOrAdd(key, factory);
            // A failed probe (host down) is asked again next time instead of being remembered.
            if (lazy.IsValueCreated && (lazy.Value.IsFaulted || lazy.Value.IsCanceled))
            {
                _map.TryRemove(new KeyValuePair<SshHostConnection, Lazy<Task<RemoteHostEnvironment>>>(key, lazy));
                lazy = _map.GetOrAdd(key, factory);
            }

            return lazy;
        }
    }
}
