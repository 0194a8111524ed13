namespace Dagon.CommandLine;

/// <summary>
/// Every setting switch of the command line, in the order help lists them. Defaults are written as a user reads
/// them; a test holds them to the options classes' real defaults.
/// </summary>
public static class SettingSwitches
{
    public static IReadOnlyList<SettingSwitch> All { get; } =
    [
        new("--config", "config", "FILE", "./dagon.ini", "read settings from FILE instead of ./dagon.ini (also DAGON_CONFIG)"),
        new("--image", "dagon:image", "IMAGE", "each task's own", "run every task in this image (docker://, .sif, .def, ...)"),
        new("--parallelism", "dagon:max_parallelism", "N", "0 (one per core)", "tasks running at once") { Alias = "-j", Value = SwitchValue.Count },
        new("--tmp-dir", "dagon:tmp_dir", "DIR", "the system temp folder", "parent folder of the work directories"),
        new("--remove", "dagon:remove", "true|false", "each task's own (true)", "false keeps every work directory for debugging")
            { Value = SwitchValue.Boolean },
        new("--json", "dagon:json", "FILE", "none", "write the workflow and each task's status as JSON after the run"),
        new("--resume", "dagon:resume", "", "off", "skip tasks whose journal record matches and whose outputs are intact")
            { Value = SwitchValue.Flag, FlagValue = "true" },
        new("--state-dir", "dagon:state_dir", "DIR", "./.dagon", "where the journal and each run's logs and JSON are kept"),
        new("--publish-dir", "dagon:publish_dir", "DIR", "none", "copy declared outputs here after their task succeeds"),
        new("--retries", "dagon:retries", "N", "0", "run a failed task again up to N times (tasks may set their own)") { Value = SwitchValue.Count },
        new("--retry-on", "dagon:retry_on", "KINDS", "any failure",
            "retry only these: timeout, lost-connection, node-failure, out-of-memory, exit codes (tasks may set their own)"),
        new("--image-cache", "apptainer:image_cache_dir", "DIR", "/var/cache/dagon/images (root), ~/.cache/dagon/images",
            "where built images are kept and reused"),
        new("--apptainer", "apptainer:executable", "COMMAND", "apptainer", "the Apptainer command (singularity on older sites)"),
        new("--overlay", "apptainer:overlay", "MODE", "each task's own (Image)", "writable space of every task: Image, WritableTmpfs or None")
            { Value = SwitchValue.Choice, Choices = ["Image", "WritableTmpfs", "None"] },
        new("--refresh-images", "apptainer:pull", "", "off", "pull and rebuild every image even when it is cached (a task's own Pull wins)")
            { Value = SwitchValue.Flag, FlagValue = "always" },
        new("--scheduler", "dagon:scheduler", "NAME", "direct", "how tasks are started: direct (a process) or slurm (a job)"),
        new("--partition", "slurm:partition", "NAME", "the cluster's default", "Slurm partition for the jobs"),
        new("--progress", "dagon:progress", "MODE", "rich on a terminal, else plain",
                "progress display: rich (live counts and running tasks), plain (the log lines) or none")
            { Value = SwitchValue.Choice, Choices = ["plain", "rich", "none"] },
        new("--report", "dagon:report", "FILE", "none", "write a report of the run to FILE (one self-contained HTML page)"),
        new("--trace", "dagon:trace", "FILE", "none", "write a trace of the run to FILE (one tab-separated row per task)"),
        new("--otlp", "dagon:otlp", "URL", "none", "send traces and metrics to this OpenTelemetry endpoint"),
    ];

    /// <summary>
    /// The table plus a switch for every extra mapping (switch to key) the host knows and the table does not, so a
    /// setting added to the host's mappings is accepted and documented without a second edit here.
    /// </summary>
    public static IReadOnlyList<SettingSwitch> With(IReadOnlyDictionary<string, string> mappings)
    {
        var known = All.SelectMany(s => s.Alias is null ? [s.Name] : new[] { s.Name, s.Alias }).ToHashSet(StringComparer.Ordinal);
        var extra = mappings
            .Where(m => m.Key.StartsWith("--", StringComparison.Ordinal) && !known.Contains(m.Key) && m.Value.Contains(':', StringComparison.Ordinal))
            .OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => new SettingSwitch(m.Key, m.Value, "VALUE", "see dagon.ini.sample", $"sets {m.Value}"));
        return [.. All, .. extra];
    }
}
