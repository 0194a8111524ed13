using Dagon.Execution.Processes;

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

    /// <summary>Asks the host once per connection; a failed probe (host down) is asked again next time.</summary>
    public static Task<RemoteHostEnvironment> ProbeAsync(SshHostConnection connection, CancellationToken cancellationToken) =>
        connection.Remember(() => ProbeCoreAsync(connection, cancellationToken));

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
}
