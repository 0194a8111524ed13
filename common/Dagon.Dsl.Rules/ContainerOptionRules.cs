#nullable enable
using System;
using System.Collections.Generic;

namespace Dagon.Rules;

/// <summary>
/// Which extra Apptainer options (a task's <c>ContainerOptions</c>, the run's <c>[apptainer] run_options</c>) may
/// join the engine's own. The engine owns the work directory, the writable space, the mounts under /work and
/// /dagon, and (through the isolation setting) the environment and home; an option that would take one of these
/// over is refused here, once for the analyzers and the runtime.
/// </summary>
internal static class ContainerOptionRules
{
    /// <summary>Options whose value is the next element (or follows '=').</summary>
    private static readonly HashSet<string> TakesValue = new HashSet<string>(StringComparer.Ordinal)
    {
        "--bind", "-B", "--mount", "--pwd", "--overlay", "-o", "--home", "-H", "--env", "--env-file", "--workdir", "-W",
        "--scratch", "-S", "--security", "--network", "--network-args", "--hostname", "--app", "--fusemount",
        "--apply-cgroups", "--dns", "--add-caps", "--drop-caps", "--cpus", "--memory", "--memory-reservation",
        "--memory-swap", "--cpu-shares", "--cpuset-cpus", "--cpuset-mems", "--blkio-weight", "--pids-limit",
        "--oom-kill-disable", "--passphrase", "--pem-path", "--no-mount", "--sif-fuse", "--config", "--nvccli",
    };

    /// <summary>Options the engine sets itself, with what to use instead.</summary>
    private static readonly Dictionary<string, string> Owned = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--pwd"] = "the engine runs every command in /work, the task's work directory",
        ["--overlay"] = "the engine gives each task its writable space; use OverlaySize, WritableTmpfs or NoOverlay",
        ["-o"] = "the engine gives each task its writable space; use OverlaySize, WritableTmpfs or NoOverlay",
        ["--writable-tmpfs"] = "the engine gives each task its writable space; use WritableTmpfs",
        ["--writable"] = "the engine gives each task its writable space; images are used read-only",
        ["-w"] = "the engine gives each task its writable space; images are used read-only",
    };

    /// <summary>Options that isolate the container, which contradict <c>Isolation = Inherit</c>.</summary>
    private static readonly HashSet<string> Isolating = new HashSet<string>(StringComparer.Ordinal)
    {
        "--cleanenv", "-e", "--containall", "-C", "--contain", "-c", "--no-home",
    };

    /// <summary>Returns why <paramref name="options"/> cannot be used, with the index of the element at fault, or null.</summary>
    public static string? Check(IReadOnlyList<string> options, bool inheritsEnvironment, out int index)
    {
        for (index = 0; index < options.Count; index++)
        {
            var option = options[index];
            if (option is null || option.Length < 2 || option[0] != '-')
            {
                return $"container option '{option}' is not an option: every element must start with '-' or be the value of the option before it";
            }

            var equals = option.IndexOf('=');
            var name = equals > 0 ? option.Substring(0, equals) : option;
            string? value = equals > 0 ? option.Substring(equals + 1) : null;
            if (Owned.TryGetValue(name, out var why)) return $"container option '{name}' is set by the engine: {why}";
            if (inheritsEnvironment && Isolating.Contains(name))
            {
                return $"container option '{name}' contradicts Isolation = Inherit; choose Isolation = Clean or Contained instead";
            }

            if (value is null && TakesValue.Contains(name))
            {
                if (index + 1 >= options.Count) return $"container option '{name}' needs a value after it";
                value = options[++index];
            }

            if (value is not null && name is "--bind" or "-B" or "--mount" && BindTarget(name, value) is { } error) return error;
        }

        index = -1;
        return null;
    }

    /// <summary>Refuses a mount whose destination is the engine's: /work, or /dagon and anything under it.</summary>
    private static string? BindTarget(string name, string value)
    {
        foreach (var destination in Destinations(name, value))
        {
            var path = destination.TrimEnd('/');
            if (path == "/work" || path == "/dagon" || path.StartsWith("/dagon/", StringComparison.Ordinal) || path.Length == 0)
            {
                return $"container option '{name} {value}' mounts onto '{destination}', where the engine mounts the task's work directory " +
                       "and its inputs; use another destination";
            }
        }

        return null;
    }

    private static IEnumerable<string> Destinations(string name, string value)
    {
        if (name == "--mount")
        {
            foreach (var field in value.Split(','))
            {
                var pair = field.Split(new[] { '=' }, 2);
                if (pair.Length == 2 && pair[0] is "dst" or "destination" or "target") yield return pair[1];
            }

            yield break;
        }

        // --bind src[:dst[:opts]][,src2...]: without a destination the source path is mounted at the same place.
        foreach (var bind in value.Split(','))
        {
            var parts = bind.Split(':');
            yield return parts.Length > 1 ? parts[1] : parts[0];
        }
    }
}
