#nullable enable
using System;

namespace Dagon.Rules;

/// <summary>The syntax of a bind path: <c>src:dst</c>, <c>src:dst:ro</c> or <c>src:dst:rw</c>, with an absolute destination.</summary>
internal static class BindRules
{
    /// <summary>Returns why <paramref name="spec"/> is malformed, or null when it is usable.</summary>
    public static string? Check(string? spec) => TryParse(spec, out _, out _, out _, out var error) ? null : error;

    /// <summary>Splits <paramref name="spec"/> into its parts, or says in <paramref name="error"/> what is wrong with it.</summary>
    public static bool TryParse(string? spec, out string source, out string destination, out bool readOnly, out string? error)
    {
        source = destination = string.Empty;
        readOnly = false;
        if (spec is null || spec.Trim().Length == 0)
        {
            error = "a bind path must not be empty";
            return false;
        }

        var parts = spec.Split(':');
        if (parts.Length < 2 || parts.Length > 3)
        {
            error = $"bind path '{spec}' must have the form src:dst, src:dst:ro or src:dst:rw";
            return false;
        }

        if (parts[0].Length == 0 || parts[1].Length == 0)
        {
            error = $"bind path '{spec}' has an empty source or destination";
            return false;
        }

        if (!parts[1].StartsWith("/", StringComparison.Ordinal))
        {
            error = $"bind path '{spec}' has a relative destination '{parts[1]}'; container paths must be absolute";
            return false;
        }

        if (parts.Length == 3)
        {
            switch (parts[2])
            {
                case "ro": readOnly = true; break;
                case "rw": break;
                default:
                    error = $"bind path '{spec}' has an unknown option '{parts[2]}' (expected ro or rw)";
                    return false;
            }
        }

        source = parts[0];
        destination = parts[1];
        error = null;
        return true;
    }
}
