using System.CommandLine;
using Dagon.Model;

namespace Dagon.CommandLine;

/// <summary>
/// <c>--help</c>: every switch with its dagon.ini key and default, the switches that choose what runs, the workflow's
/// tasks and the exit codes. Written by hand rather than by System.CommandLine's help, because the key and default
/// columns are the point, and the text must not depend on the terminal's width.
/// </summary>
public static class HelpText
{
    private const int SwitchColumn = 34;
    private const int KeyColumn = 30;

    /// <summary>The help text; <c>workflows</c> is null when they could not be built, and <c>workflowError</c> says why.</summary>
    public static string Format(string program, DagonCommandLine commandLine, IReadOnlyList<WorkflowDefinition>? workflows, string? workflowError = null)
    {
        var text = new System.Text.StringBuilder();
        text.Append("Usage: ").Append(program).AppendLine(" [switches]").AppendLine();
        text.AppendLine("Runs the workflow's tasks. Settings come from dagon.ini (in the current folder, or --config FILE), then");
        text.AppendLine("DAGON_<section>__<key> environment variables, then these switches; later sources win. Any dagon.ini key can");
        text.AppendLine("also be given as --<section>:<key> VALUE.").AppendLine();

        text.AppendLine("Settings:");
        text.Append("  ").Append("switch".PadRight(SwitchColumn)).Append("dagon.ini key".PadRight(KeyColumn)).AppendLine("default");
        foreach (var setting in commandLine.Switches)
        {
            text.Append("  ").Append(setting.Usage.PadRight(SwitchColumn)).Append(setting.IniKey.PadRight(KeyColumn)).AppendLine(setting.Default);
            text.Append("      ").Append(setting.Description).AppendLine();
        }

        text.AppendLine();
        text.AppendLine("What runs:");
        foreach (var option in commandLine.ControlOptions)
        {
            var usage = string.Join(", ", option.Aliases.OrderBy(a => a.Length).Append(option.Name));
            if (option.Arity.MaximumNumberOfValues > 0 && option.HelpName is { } value) usage += " " + value;
            text.Append("  ").Append(usage.PadRight(SwitchColumn)).AppendLine(option.Description);
        }

        text.AppendLine("  TASK switches repeat (--skip B --skip C) or take names separated by commas (--skip B,C).");
        text.AppendLine();
        AppendCommands(text, program, commandLine);
        AppendTasks(text, workflows, workflowError);
        text.AppendLine("Exit codes:");
        foreach (var (code, meaning) in ExitCodes.Documented) text.Append("  ").Append(code.ToString(System.Globalization.CultureInfo.InvariantCulture).PadRight(5)).AppendLine(meaning);
        return text.ToString();
    }

    private static void AppendCommands(System.Text.StringBuilder text, string program, DagonCommandLine commandLine)
    {
        text.Append("Commands (").Append(program).AppendLine(" COMMAND [switches]; the settings above, such as --state-dir, still apply):");
        foreach (var (command, options) in commandLine.StateCommands)
        {
            text.Append("  ").Append(command.Name.PadRight(SwitchColumn)).AppendLine(command.Description);
            foreach (var option in options)
            {
                var usage = option.Arity.MaximumNumberOfValues > 0 && option.HelpName is { } value ? option.Name + " " + value : option.Name;
                text.Append("    ").Append(usage.PadRight(SwitchColumn - 2)).AppendLine(option.Description);
            }
        }

        text.AppendLine("  Runs a live engine still needs (running, or reusing them with --resume) are never removed.");
        text.AppendLine();
    }

    private static void AppendTasks(System.Text.StringBuilder text, IReadOnlyList<WorkflowDefinition>? workflows, string? workflowError)
    {
        if (workflows is null)
        {
            text.Append("Tasks: the workflow is invalid: ").AppendLine(workflowError).AppendLine();
            return;
        }

        foreach (var workflow in workflows)
        {
            text.Append("Tasks of ").Append(workflow.Name).AppendLine(":");
            var width = workflow.Tasks.Max(t => t.Name.Length) + 2;
            foreach (var task in workflow.Tasks)
            {
                var kind = task.Kind == TaskKind.Batch ? "batch" : "container";
                var after = workflow.DependenciesOf(task);
                var line = "  " + task.Name.PadRight(width) + kind.PadRight(11) + (after.Count == 0 ? "" : "after " + string.Join(", ", after));
                text.AppendLine(line.TrimEnd());
            }

            text.AppendLine();
        }
    }

    /// <summary><c>--version</c>: the program's version and the engine's.</summary>
    public static string Version(string program, System.Reflection.Assembly? entry) =>
        $"{program} {InformationalVersion(entry)} (Dagon.Dsl {InformationalVersion(typeof(HelpText).Assembly)})";

    private static string InformationalVersion(System.Reflection.Assembly? assembly)
    {
        var version = assembly?.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion
            ?? assembly?.GetName().Version?.ToString() ?? "unknown";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus]; // drop the source revision the SDK appends
    }
}
