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

        // Apptainer splits --bind values at commas: "src:/mnt/b,/var/cache/dagon" would bind a second, unchecked path.
        if (spec.IndexOf(',') >= 0)
        {
            error = $"bind path '{spec}' contains a comma, which Apptainer reads as a second bind; bind each path on its own";
            return false;
        }

        if (ReservedDestination(parts[1]) is { } reserved)
        {
            error = $"bind path '{spec}' binds onto '{parts[1]}', {reserved}";
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

    /// <summary>Where a user bind would hide what the engine itself mounts, or break the container; null when the destination is free.</summary>
    public static string? ReservedDestination(string destination)
    {
        var normalized = "/" + string.Join("/", destination.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries));
        if (normalized == "/") return "the container's root, which cannot be replaced";
        if (normalized == WorkDirectory || normalized.StartsWith(WorkDirectory + "/", StringComparison.Ordinal))
        {
            return $"where the engine mounts the task's work directory ({WorkDirectory}); read files there through workflow:// references";
        }

        if (normalized == EngineDirectory || normalized.StartsWith(EngineDirectory + "/", StringComparison.Ordinal))
        {
            return $"which the engine reserves for the files of other tasks ({EngineDirectory}/inputs)";
        }

        return null;
    }

    /// <summary>Where a task's work directory appears inside its container (and its current directory).</summary>
    public const string WorkDirectory = "/work";

    /// <summary>Below this the engine mounts producers' folders (<c>/dagon/inputs/&lt;task&gt;</c>).</summary>
    public const string EngineDirectory = "/dagon";
}
