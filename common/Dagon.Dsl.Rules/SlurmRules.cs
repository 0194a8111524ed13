#nullable enable
using System;
using System.Globalization;

namespace Dagon.Rules;

/// <summary>
/// The syntax of a task's Slurm request, checked the same way at compile time (analyzers) and at run time
/// (the workflow validator): the time limit, positive counts, and the sbatch options the engine sets itself.
/// </summary>
internal static class SlurmRules
{
    /// <summary>
    /// Options the engine writes into every job script; a task that set them would break how its output is found,
    /// how the job is named and watched, or what runs.
    /// </summary>
    public static readonly string[] EngineOwnedOptions =
    {
        "--output", "--error", "--wrap", "--parsable", "--job-name", "--chdir", "--array", "--wait", "--input",
        "-o", "-e", "-J", "-D", "-a", "-W", "-i",
    };

    /// <summary>
    /// Why <paramref name="time"/> is not one of Slurm's time formats (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM,
    /// D-HH:MM:SS), or null when it is. The text completes "Task 'X' has time limit 'T'; ".
    /// </summary>
    public static string? CheckTime(string time)
    {
        if (!TryParseTime(time, out var minutes)) return "use MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS";
        // Slurm reads 0 as "no limit"; leaving Time unset says that without surprise.
        return minutes == 0 ? "it must be longer than zero (leave it unset for the partition's limit)" : null;
    }

    /// <summary>Parses a Slurm time limit into whole minutes, rounded up (Slurm's own rounding).</summary>
    public static bool TryParseTime(string time, out long minutes)
    {
        minutes = -1;
        if (!TryParseTimeSeconds(time, out var seconds)) return false;
        minutes = (seconds + 59) / 60;
        return true;
    }

    /// <summary>Parses a Slurm time limit into seconds, as written (before Slurm rounds it up to minutes).</summary>
    public static bool TryParseTimeSeconds(string time, out long seconds)
    {
        seconds = -1;
        if (string.IsNullOrEmpty(time)) return false;
        long days = 0;
        var rest = time;
        var dash = time.IndexOf('-');
        var hasDays = dash >= 0;
        if (hasDays)
        {
            if (!TryNumber(time.Substring(0, dash), int.MaxValue, out days)) return false;
            rest = time.Substring(dash + 1);
        }

        var parts = rest.Split(':');
        var values = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            // The leading field is unbounded (MM may be 90); the others are clock fields.
            if (!TryNumber(parts[i], i == 0 ? int.MaxValue : 59, out values[i])) return false;
        }

        if (hasDays)
        {
            if (parts.Length > 3 || values[0] > 23) return false;
            seconds = days * 86400 + values[0] * 3600 + (parts.Length > 1 ? values[1] * 60 : 0) + (parts.Length > 2 ? values[2] : 0);
        }
        else
        {
            seconds = parts.Length switch
            {
                1 => values[0] * 60,
                2 => values[0] * 60 + values[1],
                3 => values[0] * 3600 + values[1] * 60 + values[2],
                _ => -1,
            };
            if (seconds < 0) return false;
        }

        return true;
    }

    /// <summary>
    /// Why a count (CPUs, memory in MB, GPUs, nodes, tasks per node) cannot be requested, or null when it can.
    /// The text completes "Task 'X' requests N WHAT; ".
    /// </summary>
    public static string? CheckCount(int value) => value <= 0 ? "it must be positive" : null;

    /// <summary>Why an extra sbatch option is refused, or null when it is accepted.</summary>
    public static string? CheckOption(string option)
    {
        if (option is null || option.Trim().Length == 0) return "an empty option";
        if (!option.StartsWith("-", StringComparison.Ordinal)) return "'" + option + "' is not an option (it must start with '-'; write values as --name=value)";
        foreach (var owned in EngineOwnedOptions)
        {
            if (IsOption(option, owned))
            {
                return "'" + option + "' is set by the engine (" + owned + "); remove it";
            }
        }

        if (option.IndexOf('\n') >= 0 || option.IndexOf('\r') >= 0) return "'" + option.Replace("\n", "\\n") + "' spans lines";
        return null;
    }

    private static bool IsOption(string option, string owned)
    {
        if (!option.StartsWith(owned, StringComparison.Ordinal)) return false;
        if (option.Length == owned.Length) return true;
        var next = option[owned.Length];
        // --output=x and --output x; a short option may carry its value glued on (-ofile), a long one may not (--outputs).
        return next == '=' || next == ' ' || (owned.Length == 2 && owned[1] != '-');
    }

    private static bool TryNumber(string text, long max, out long value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 9) return false;
        foreach (var c in text)
        {
            if (c < '0' || c > '9') return false;
        }

        value = long.Parse(text, CultureInfo.InvariantCulture);
        return value <= max;
    }
}
