using System.CommandLine;
using System.CommandLine.Parsing;
using Dagon.Rules;

namespace Dagon.CommandLine;

/// <summary>
/// Turns System.CommandLine's parse errors into messages that name the closest valid switch
/// (<c>--tmp-dri</c>: "did you mean --tmp-dir?"); a value after an unknown switch is taken as that switch's value.
/// </summary>
internal static class UsageErrors
{
    public static List<string> Of(ParseResult result, IEnumerable<string> switchNames)
    {
        var names = switchNames.ToList();
        var errors = result.Errors.Where(e => e.SymbolResult is OptionResult).Select(e => e.Message).ToList();
        var unmatched = result.UnmatchedTokens;
        var previousWasUnknownSwitch = false;
        foreach (var token in unmatched)
        {
            if (token.StartsWith('-') && token.Length > 1 && !IsNumber(token))
            {
                errors.Add(UnknownSwitch(token, names));
                previousWasUnknownSwitch = !token.Contains('=', StringComparison.Ordinal);
            }
            else if (previousWasUnknownSwitch)
            {
                previousWasUnknownSwitch = false;
            }
            else
            {
                errors.Add($"unexpected argument '{token}': every value follows its switch (see --help)");
            }
        }

        // Anything else the parser reports at the level of the command, when no token explains it.
        if (unmatched.Count == 0) errors.AddRange(result.Errors.Where(e => e.SymbolResult is not OptionResult).Select(e => e.Message));
        return errors.Distinct(StringComparer.Ordinal).ToList();
    }

    private static string UnknownSwitch(string token, List<string> names)
    {
        var name = token.Split('=', 2)[0];
        var closest = ClosestName.Find(name, names);
        return closest is null
            ? $"unknown switch '{name}' (see --help)"
            : $"unknown switch '{name}': did you mean {closest}?";
    }

    private static bool IsNumber(string token) => double.TryParse(token, System.Globalization.CultureInfo.InvariantCulture, out _);
}
