using Dagon.Reporting;
using Dagon.Scheduling;

namespace Dagon.CommandLine;

public enum RequestKind
{
    /// <summary>Plan, and run, preflight or only draw the plan as the switches say.</summary>
    Run,
    Help,
    Version,
    /// <summary>The command line is wrong: nothing runs, the errors are printed and the exit code is 2.</summary>
    Invalid,
}

/// <summary>The <c>runs</c> and <c>clean</c> commands.</summary>
public enum StateCommandKind
{
    /// <summary>List the recorded runs.</summary>
    Runs,

    /// <summary>Remove recorded runs: exactly one of <see cref="StateRequest.Before"/>, <see cref="StateRequest.KeepLast"/> or <see cref="StateRequest.All"/>.</summary>
    Clean,
}

/// <summary><c>runs</c>, or <c>clean</c> with what it removes.</summary>
public sealed record StateRequest(StateCommandKind Kind, string? Before = null, int? KeepLast = null, bool All = false);

/// <summary>What the command line asks for, parsed once before anything else happens.</summary>
public sealed class CommandLineRequest
{
    public required RequestKind Kind { get; init; }

    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>The settings given on the command line as <c>--section:key=value</c>, for the configuration's command-line source.</summary>
    public IReadOnlyList<string> ConfigurationArguments { get; init; } = [];

    public TaskSelection Selection { get; init; } = TaskSelection.Everything;

    /// <summary>Draw the plan in this format before anything else; null when <c>--plan</c> is not given.</summary>
    public PlanFormat? Plan { get; init; }

    /// <summary>Check everything a run needs and run nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Run after drawing the plan (<c>--plan --run</c>); <c>--plan</c> alone only draws it.</summary>
    public bool RunAfterPlan { get; init; }

    /// <summary>Forget the kept work folders and the journal (<c>--clean</c>), and run nothing.</summary>
    public bool Clean { get; init; }

    /// <summary><c>runs</c> or <c>clean</c> (and <c>--clean</c>, which is <c>clean --all</c>); null when none is given.</summary>
    public StateRequest? State { get; init; }

    /// <summary>True when the run goes ahead: no plan asked for, or asked for together with <c>--run</c>.</summary>
    public bool Runs => !DryRun && !Clean && State is null && (Plan is null || RunAfterPlan);
}
