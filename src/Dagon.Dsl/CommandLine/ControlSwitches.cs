using System.CommandLine;

namespace Dagon.CommandLine;

/// <summary>The switches that decide what a run does (which tasks, plan, dry run, help), as opposed to settings.</summary>
internal sealed class ControlSwitches
{
    public Option<string[]> Target { get; } = Repeatable("--target", "run TASK and everything it needs");
    public Option<string[]> Until { get; } = Repeatable("--until", "the same as --target: TASK and everything upstream of it");
    public Option<string[]> From { get; } = Repeatable("--from", "run TASK and everything downstream of it (their other inputs must be selected too)");
    public Option<string[]> Skip { get; } = Repeatable("--skip", "leave TASK out (only when no selected task needs its outputs)");

    public Option<string?> Plan { get; } = new("--plan")
    {
        Description = "print the DAG, marking what would run or be skipped, then stop (add --run to run it)",
        HelpName = "[text|mermaid|dot]",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public Option<bool> Run { get; } = new("--run") { Description = "with --plan: run after printing the plan" };
    public Option<bool> DryRun { get; } = new("--dry-run")
    {
        Description = "check everything a run needs (workflow, images, binds, hosts, Apptainer) and run nothing",
    };

    public Option<bool> Clean { get; } = new("--clean")
    {
        Description = "the same as the command clean --all: forget every recorded run, then stop",
    };

    public Option<bool> Help { get; } = new("--help", "-h", "-?") { Description = "show this help and run nothing" };
    public Option<bool> Version { get; } = new("--version") { Description = "show the program's and Dagon.Dsl's versions" };

    public ControlSwitches()
    {
        // A validator of our own rather than AcceptOnlyFromAmong, so the message reads like the other usage errors.
        Plan.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && !PlanFormats.Contains(result.Tokens[0].Value, StringComparer.Ordinal))
            {
                result.AddError($"--plan: '{result.Tokens[0].Value}' is not one of {string.Join(", ", PlanFormats)}");
            }
        });
    }

    public static readonly string[] PlanFormats = ["text", "mermaid", "dot"];

    /// <summary>In the order help lists them.</summary>
    public IReadOnlyList<Option> All => [Target, Until, From, Skip, Plan, Run, DryRun, Clean, Help, Version];

    private static Option<string[]> Repeatable(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "TASK",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };
}
