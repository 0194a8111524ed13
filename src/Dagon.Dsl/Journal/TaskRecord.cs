using Dagon.Scheduling;

namespace Dagon.Journal;

/// <summary>One file a task left, as the journal keeps it.</summary>
public sealed record RecordedOutput(string Path, long? Size, string Sha256);

/// <summary>How one run of a task ended, keyed by what determines its result (<see cref="TaskKeys"/>).</summary>
public sealed record TaskRecord
{
    public required string Key { get; init; }
    public required string RunId { get; init; }
    public required string Task { get; init; }
    public required string State { get; init; }
    public int? ExitCode { get; init; }
    public DateTimeOffset Started { get; init; }
    public DateTimeOffset Ended { get; init; }
    public string? Host { get; init; }

    /// <summary>The task's work folder on its place, where its outputs are reused from.</summary>
    public required string Workspace { get; init; }

    /// <summary>How many times the task was started in its run (1 unless it was retried).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>The kind of a failed task's last failure; null for any other state, and in records made before kinds were kept.</summary>
    public FailureKind? Failure { get; init; }

    public IReadOnlyList<RecordedOutput> Outputs { get; init; } = [];
}
