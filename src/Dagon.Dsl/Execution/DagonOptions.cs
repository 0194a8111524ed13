using Microsoft.Extensions.Configuration;

namespace Dagon.Execution;

/// <summary>The <c>[dagon]</c> section of dagon.ini: settings of a run, wherever its tasks run.</summary>
public sealed class DagonOptions
{
    public const string Section = "dagon";

    /// <summary>Tasks running at once; 0 means one per core.</summary>
    [ConfigurationKeyName("max_parallelism")]
    public int MaxParallelism { get; set; }

    /// <summary>Parent folder of work directories for tasks that set no tmp_dir of their own.</summary>
    [ConfigurationKeyName("tmp_dir")]
    public string? TmpDir { get; set; }

    /// <summary>Overrides every task's remove flag when set (false keeps every work directory).</summary>
    [ConfigurationKeyName("remove")]
    public bool? Remove { get; set; }

    /// <summary>Runs every task in this image instead of the declared ones (e.g. <c>docker://ubuntu:20.04</c>).</summary>
    [ConfigurationKeyName("image")]
    public string? Image { get; set; }

    /// <summary>Writes the workflow, with every task's final status, as JSON to this file after the run.</summary>
    [ConfigurationKeyName("json")]
    public string? JsonPath { get; set; }

    /// <summary>How tasks are started when neither the task, its workflow nor its host profile say: direct (the default) or slurm.</summary>
    [ConfigurationKeyName("scheduler")]
    public Model.Scheduler? Scheduler { get; set; }

    /// <summary>Writes a self-contained HTML report of the run to this file.</summary>
    [ConfigurationKeyName("report")]
    public string? ReportPath { get; set; }

    /// <summary>Writes one tab-separated row per task attempt to this file.</summary>
    [ConfigurationKeyName("trace")]
    public string? TracePath { get; set; }

    /// <summary>Sends traces and metrics to this OpenTelemetry (OTLP) endpoint.</summary>
    [ConfigurationKeyName("otlp")]
    public string? OtlpEndpoint { get; set; }

    /// <summary>How progress is shown while a run goes: rich, plain or none; unset picks rich on a terminal.</summary>
    [ConfigurationKeyName("progress")]
    public string? Progress { get; set; }
    /// <summary>Folder of the run folders (logs, JSON export) and the journal; <c>.dagon</c> in the current folder when unset.</summary>
    [ConfigurationKeyName("state_dir")]
    public string? StateDir { get; set; }

    /// <summary>Skips every task whose journal record matches and whose outputs are still there.</summary>
    [ConfigurationKeyName("resume")]
    public bool Resume { get; set; }

    /// <summary>Publish folder of every task that declares outputs and names none of its own.</summary>
    [ConfigurationKeyName("publish_dir")]
    public string? PublishDir { get; set; }

    /// <summary>How many times a failed task is run again when it sets no retries of its own.</summary>
    [ConfigurationKeyName("retries")]
    public int Retries { get; set; }

    /// <summary>
    /// Kinds of failure (<c>timeout, lost-connection, node-failure, out-of-memory</c>) and exit codes retried for the
    /// tasks that choose none of their own; unset retries any failure. Read through <see cref="RetryChoice"/>.
    /// </summary>
    [ConfigurationKeyName("retry_on")]
    public string? RetryOn { get; set; }

    /// <summary>Seconds before the first retry; doubled for each further one.</summary>
    [ConfigurationKeyName("retry_delay")]
    public double RetryDelaySeconds { get; set; } = 1;

    /// <summary><see cref="RetryOn"/> parsed by the rule the tasks' own choices follow.</summary>
    /// <exception cref="InvalidOperationException">The value names something that is neither a kind nor an exit code.</exception>
    public (Model.RetryOn Kinds, IReadOnlyList<int> ExitCodes) RetryChoice()
    {
        if (string.IsNullOrWhiteSpace(RetryOn)) return (Model.RetryOn.Unset, []);
        return Rules.RetryRules.TryParse(RetryOn, out var kinds, out var codes) is { } error
            ? throw new InvalidOperationException($"retry_on = {RetryOn} in [dagon] (--retry-on): {error}")
            : (kinds, codes);
    }

    /// <summary>Off only to measure what the journal costs (the benchmark's P1): no record is written or read.</summary>
    internal bool KeepsJournal { get; init; } = true;

    public string ResolveStateDir() => Path.GetFullPath(string.IsNullOrWhiteSpace(StateDir) ? ".dagon" : StateDir);

    public int EffectiveParallelism => MaxParallelism > 0 ? MaxParallelism : Environment.ProcessorCount;

    public string ResolveTmpDir() => string.IsNullOrWhiteSpace(TmpDir) ? Path.GetTempPath() : TmpDir;
}
