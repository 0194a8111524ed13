using Microsoft.Extensions.Configuration;

namespace Dagon.Launching.Slurm;

/// <summary>
/// The <c>[slurm]</c> section of dagon.ini: defaults for every job, how the engine talks to Slurm, and the Slurm
/// commands' names. A <c>[host:NAME]</c> section overrides any of these for its host with a <c>slurm_</c> prefix
/// (<c>slurm_partition = gpu</c>, <c>slurm_sbatch = /opt/slurm/bin/sbatch</c>).
/// </summary>
public sealed class SlurmOptions
{
    public const string Section = "slurm";

    /// <summary>Partition for tasks that name none (DagOnStar's <c>partition</c>); unset takes the cluster's default.</summary>
    [ConfigurationKeyName("partition")]
    public string? Partition { get; set; }

    [ConfigurationKeyName("account")]
    public string? Account { get; set; }

    [ConfigurationKeyName("qos")]
    public string? Qos { get; set; }

    /// <summary>Seconds between status calls while jobs change; the interval doubles while nothing changes.</summary>
    [ConfigurationKeyName("poll_interval_seconds")]
    public double PollIntervalSeconds { get; set; } = 2;

    /// <summary>The longest interval the back-off reaches.</summary>
    [ConfigurationKeyName("max_poll_interval_seconds")]
    public double MaxPollIntervalSeconds { get; set; } = 30;

    /// <summary>At most this many sbatch calls per second on one place (controllers throttle busy submitters).</summary>
    [ConfigurationKeyName("submit_rate")]
    public double SubmitRate { get; set; } = 5;

    /// <summary>Slurm tasks submitted and not yet finished, over the whole run; the local parallelism does not limit them.</summary>
    [ConfigurationKeyName("max_jobs_in_flight")]
    public int MaxJobsInFlight { get; set; } = 1000;

    /// <summary>How long ready tasks are collected before submission, so that a fan-out becomes one job array.</summary>
    [ConfigurationKeyName("array_window_ms")]
    public int ArrayWindowMs { get; set; } = 200;

    /// <summary>Lines of a failed job's stderr shown in the summary.</summary>
    [ConfigurationKeyName("tail_lines")]
    public int TailLines { get; set; } = 20;

    /// <summary>
    /// Attempt N of a retried task asks for N times its <c>MemoryMb</c> (<c>--mem</c>), as Nextflow's
    /// <c>memory { 2.GB * task.attempt }</c> does; false asks for the same memory every time.
    /// </summary>
    [ConfigurationKeyName("grow_memory_per_attempt")]
    public bool GrowMemoryPerAttempt { get; set; } = true;

    /// <summary>
    /// Attempt N of a retried task with a time limit (its <c>Time</c>, else its <c>Timeout</c>, as <c>--time</c>) asks for
    /// N times that limit, cut to the partition's; false asks for the same limit every time.
    /// </summary>
    [ConfigurationKeyName("grow_time_per_attempt")]
    public bool GrowTimePerAttempt { get; set; } = true;

    [ConfigurationKeyName("sbatch")]
    public string Sbatch { get; set; } = "sbatch";

    [ConfigurationKeyName("squeue")]
    public string Squeue { get; set; } = "squeue";

    [ConfigurationKeyName("sacct")]
    public string Sacct { get; set; } = "sacct";

    [ConfigurationKeyName("scancel")]
    public string Scancel { get; set; } = "scancel";

    [ConfigurationKeyName("sinfo")]
    public string Sinfo { get; set; } = "sinfo";

    [ConfigurationKeyName("scontrol")]
    public string Scontrol { get; set; } = "scontrol";

    internal TimeSpan PollInterval => TimeSpan.FromSeconds(PollIntervalSeconds > 0 ? PollIntervalSeconds : 2);

    internal TimeSpan MaxPollInterval => TimeSpan.FromSeconds(Math.Max(MaxPollIntervalSeconds, PollInterval.TotalSeconds));

    internal TimeSpan SubmitGap => SubmitRate > 0 ? TimeSpan.FromSeconds(1 / SubmitRate) : TimeSpan.Zero;

    internal int EffectiveMaxJobsInFlight => MaxJobsInFlight > 0 ? MaxJobsInFlight : 1000;

    internal TimeSpan ArrayWindow => TimeSpan.FromMilliseconds(Math.Max(0, ArrayWindowMs));
}
