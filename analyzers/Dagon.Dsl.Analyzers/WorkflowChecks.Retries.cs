#nullable enable
using Dagon.Dsl.Declarations;
using Dagon.Rules;
using static Dagon.Dsl.Analyzers.DiagnosticDescriptors;

namespace Dagon.Dsl.Analyzers;

internal sealed partial class WorkflowChecks
{
    /// <summary>
    /// DAG051: a retry choice that no failure can ever meet (an exit code outside 1 to 255, a RetryOn value that is no
    /// kind), with the rules the runtime's validator uses (<see cref="RetryRules"/>); each code at its own element.
    /// </summary>
    private void CheckRetries(TaskDeclaration task)
    {
        foreach (var code in task.RetryOnExitCodes)
        {
            if (RetryRules.CheckExitCode(code.Value) is { } error) Report(RetryNeverMatches, code.Location, task.Name, $"exit code {code.Value}; {error}");
        }

        if (task.RetryOn is { } kinds && RetryRules.CheckKinds(kinds.Value) is { } kindError) Report(RetryNeverMatches, kinds.Location, task.Name, kindError);
    }
}
