using System.Text;

namespace Dagon.Processes;

/// <summary>
/// POSIX shell quoting, wherever text must reach a shell as one word: every argv element sent to a remote host (an
/// SSH exec request carries one string that the login shell parses), and the paths references are rewritten to in
/// batch commands. Inside single quotes nothing is special except the single quote itself, written as <c>'\''</c>.
/// </summary>
public static class ShellQuote
{
    /// <summary>One argument as a shell word that expands to exactly <paramref name="argument"/>.</summary>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length == 0) return "''";
        // Bare words are kept bare when they cannot be misread, so logged command lines stay readable.
        if (argument.All(IsSafe) && argument[0] != '~' && !argument.Contains('=', StringComparison.Ordinal)) return argument;
        var builder = new StringBuilder(argument.Length + 8).Append('\'');
        foreach (var c in argument)
        {
            if (c == '\'') builder.Append("'\\''");
            else builder.Append(c);
        }

        return builder.Append('\'').ToString();
    }

    /// <summary>An argv array as one command line: each element quoted, joined by spaces.</summary>
    public static string Join(IEnumerable<string> argv) => string.Join(' ', argv.Select(Quote));

    private static bool IsSafe(char c) => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or ':' or ',' or '+' or '@' or '%';
}
