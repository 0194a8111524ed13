namespace Dagon.CommandLine;

/// <summary>
/// <c>--section:key VALUE</c> and <c>--section:key=VALUE</c>: any key of dagon.ini on the command line, as before the
/// command line had named switches. They are taken out before parsing and handed to the configuration unchanged.
/// </summary>
internal static class KeyArguments
{
    public static (List<string> Others, List<string> Keys) Extract(IReadOnlyList<string> args)
    {
        var rest = new List<string>();
        var keys = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var argument = args[i];
            if (!IsKey(argument))
            {
                rest.Add(argument);
            }
            else if (argument.Contains('=', StringComparison.Ordinal))
            {
                keys.Add(argument);
            }
            else if (i + 1 < args.Count)
            {
                keys.Add($"{argument}={args[++i]}");
            }
            else
            {
                rest.Add(argument); // no value: let the parser report it as an unknown switch
            }
        }

        return (rest, keys);
    }

    /// <summary><c>--dagon:tmp_dir</c>: a long switch whose name holds a colon before any '='.</summary>
    private static bool IsKey(string argument)
    {
        if (!argument.StartsWith("--", StringComparison.Ordinal)) return false;
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        var name = equals < 0 ? argument[2..] : argument[2..equals];
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < name.Length - 1;
    }
}
