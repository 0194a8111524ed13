namespace Dagon.Scheduling;

/// <summary>The tasks asked for cannot run as a sub-plan (an unknown name, a skipped task that a selected task needs, ...).</summary>
public sealed class TaskSelectionException(IReadOnlyList<string> errors)
    : Exception("Cannot select the tasks to run:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
