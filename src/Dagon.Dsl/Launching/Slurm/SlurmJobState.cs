using System.Globalization;
using Dagon.Scheduling;

namespace Dagon.Launching.Slurm;

/// <summary>What Slurm said about one job: its state (<c>RUNNING</c>, <c>FAILED</c>, ...), reason and exit code (<c>3:0</c>).</summary>
internal sealed record SlurmJobState(string Id, string State, string? Reason = null, string? ExitCode = null)
{
    private static readonly HashSet<string> Terminal = new(StringComparer.Ordinal)
    {
        "COMPLETED", "FAILED", "TIMEOUT", "OUT_OF_MEMORY", "CANCELLED", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE",
    };

    /// <summary>sacct prints <c>CANCELLED by 0</c>; squeue and scontrol print the bare state.</summary>
    public string BareState => State.Split(' ')[0].TrimEnd('+');

    public bool IsFinished => Terminal.Contains(BareState);

    /// <summary>A FAILED job's exit code comes from sacct or scontrol; squeue does not show it.</summary>
    public bool NeedsExitCode => BareState == "FAILED" && ExitCode is null;

    /// <summary>
    /// The task's outcome for a finished job. <paramref name="errorTail"/> is the end of its stderr: this Slurm
    /// reports a job killed for its memory as FAILED with signal 9, and only the step's message tells why.
    /// </summary>
    public TaskOutcome ToOutcome(string where, SlurmJob job, IReadOnlyList<string> errorTail)
    {
        var label = $"Slurm job {Id}{where}";
        var (code, signal) = ParseExitCode(ExitCode);
        var memory = job.Request.MemoryMb is { } mb ? $" (--mem={mb.ToString(CultureInfo.InvariantCulture)}M)" : "";
        if (BareState == "OUT_OF_MEMORY" || (BareState == "FAILED" && errorTail.Any(l => l.Contains("memory limit", StringComparison.OrdinalIgnoreCase))))
        {
            return TaskOutcome.Failed($"{label} ran out of memory{memory} and was killed by Slurm ({BareState})", code, errorTail, FailureKind.OutOfMemory);
        }

        return BareState switch
        {
            "COMPLETED" => TaskOutcome.Success,
            "FAILED" when signal is > 0 => TaskOutcome.Failed($"{label} was killed by signal {signal}", errorTail: errorTail, kind: FailureKind.Other),
            "FAILED" when code is > 0 => TaskOutcome.Failed($"command exited with code {code} ({label})", code, errorTail),
            "FAILED" => TaskOutcome.Failed($"{label} failed ({Reason ?? "no reason given"})", errorTail: errorTail),
            "TIMEOUT" => TaskOutcome.Failed($"{label} reached its time limit ({job.Time ?? "the partition's"}) and was killed by Slurm (TIMEOUT)",
                errorTail: errorTail, kind: FailureKind.Timeout),
            "CANCELLED" => TaskOutcome.Failed($"{label} was cancelled outside the run (scancel or an administrator)", errorTail: errorTail),
            "NODE_FAIL" => TaskOutcome.Failed($"the node running {label} failed (NODE_FAIL)", errorTail: errorTail, kind: FailureKind.NodeFailure),
            "BOOT_FAIL" => TaskOutcome.Failed($"the node for {label} failed to boot (BOOT_FAIL)", errorTail: errorTail, kind: FailureKind.NodeFailure),
            "PREEMPTED" => TaskOutcome.Failed($"{label} was preempted by another job (PREEMPTED)", errorTail: errorTail, kind: FailureKind.NodeFailure),
            _ => TaskOutcome.Failed($"{label} ended in state {BareState}{(Reason is null ? "" : $" ({Reason})")}", code, errorTail, FailureKind.Other),
        };
    }

    /// <summary><c>3:0</c> is exit code 3; <c>0:9</c> is signal 9.</summary>
    public static (int? Code, int? Signal) ParseExitCode(string? exitCode)
    {
        if (exitCode is null) return (null, null);
        var parts = exitCode.Split(':');
        int? code = int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : null;
        int? signal = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : null;
        return (code, signal);
    }
}
