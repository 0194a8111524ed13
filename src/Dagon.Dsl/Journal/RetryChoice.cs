using Dagon.Model;
using Dagon.Rules;
using Dagon.Scheduling;

namespace Dagon.Journal;

/// <summary>
/// Which failures a task is run again for: kinds (<see cref="RetryOn"/>) and exit codes. The task's own choice wins;
/// a task that makes none takes the run's <c>retry_on</c>; when neither names anything, every failure is retried.
/// </summary>
public sealed record RetryChoice(RetryOn Kinds, IReadOnlyList<int> ExitCodes)
{
    public static readonly RetryChoice Any = new(RetryOn.Unset, []);

    /// <summary>True when nothing is named, so any failure is retried.</summary>
    public bool IsAny => Kinds == RetryOn.Unset && ExitCodes.Count == 0;

    /// <summary>The task's choice when it makes one, else <paramref name="run"/>'s.</summary>
    public static RetryChoice For(TaskDefinition task, RetryChoice run) =>
        task.RetryOn != RetryOn.Unset || task.RetryOnExitCodes.Count > 0 ? new RetryChoice(task.RetryOn, task.RetryOnExitCodes) : run;

    /// <summary>Whether a failure is retried: its kind is chosen, or it exited with a chosen code.</summary>
    public bool Covers(TaskOutcome outcome)
    {
        if (outcome.State != TaskState.Failed) return false;
        if (IsAny) return true;
        if (outcome.ExitCode is { } code && ExitCodes.Contains(code)) return true;
        return outcome.Failure is { } failure && (Kinds & KindOf(failure)) != 0;
    }

    /// <summary>The <see cref="RetryOn"/> kind a failure belongs to; exit codes and other failures belong to none.</summary>
    public static RetryOn KindOf(FailureKind failure) => failure switch
    {
        FailureKind.Timeout => RetryOn.Timeout,
        FailureKind.LostConnection => RetryOn.LostConnection,
        FailureKind.NodeFailure => RetryOn.NodeFailure,
        FailureKind.OutOfMemory => RetryOn.OutOfMemory,
        _ => RetryOn.Unset,
    };

    public override string ToString() =>
        IsAny ? "any failure"
        : string.Join(", ", new[] { RetryRules.Describe(Kinds), ExitCodes.Count == 0 ? "" : "exit codes " + string.Join(" ", ExitCodes) }
            .Where(p => p.Length > 0));
}
