namespace Dagon.Scheduling;

/// <summary>
/// Which tasks of a plan a run takes, as the command line asked (<c>--target</c>, <c>--until</c>, <c>--from</c>,
/// <c>--skip</c>); names are task names, or <c>workflow/task</c> when a run holds several workflows.
/// <see cref="PlanSelection"/> turns it into the tasks of a sub-plan.
/// </summary>
public sealed record TaskSelection
{
    public static TaskSelection Everything { get; } = new();

    /// <summary>Run these and everything they need (<c>--target</c> and <c>--until</c> both land here).</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];

    /// <summary>Run these and everything downstream of them.</summary>
    public IReadOnlyList<string> From { get; init; } = [];

    /// <summary>Leave these out; only allowed when no selected task needs them.</summary>
    public IReadOnlyList<string> Skip { get; init; } = [];

    public bool IsEverything => Targets.Count == 0 && From.Count == 0 && Skip.Count == 0;
}
