namespace Dagon.Model;

/// <summary>A workflow that cannot run; <see cref="Errors"/> names every task and cause.</summary>
public sealed class WorkflowValidationException(string workflow, IReadOnlyList<string> errors)
    : Exception($"Workflow '{workflow}' is invalid:{System.Environment.NewLine}  - " +
                string.Join(System.Environment.NewLine + "  - ", errors))
{
    public string Workflow { get; } = workflow;

    public IReadOnlyList<string> Errors { get; } = errors;
}
