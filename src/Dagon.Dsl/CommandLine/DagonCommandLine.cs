using System.CommandLine;
using System.Globalization;
using Dagon.Reporting;
using Dagon.Scheduling;

namespace Dagon.CommandLine;

/// <summary>
/// The command line of a workflow program, parsed with System.CommandLine before anything runs: setting switches
/// become configuration keys (so dagon.ini and <c>DAGON_*</c> stay underneath them), the rest says what to do.
/// A generic <c>--section:key VALUE</c> still sets any key of dagon.ini.
/// </summary>
public sealed class DagonCommandLine
{
    private readonly RootCommand _root = new("Runs a Dagon.Dsl workflow");
    private readonly ControlSwitches _control = new();
    private readonly StateCommands _state = new();
    private readonly List<(SettingSwitch Switch, Option<string> Option)> _settings = [];

    /// <param name="mappings">The host's switch-to-key mappings; those the table lacks become switches too.</param>
    public DagonCommandLine(IReadOnlyDictionary<string, string>? mappings = null)
    {
        Switches = mappings is null ? SettingSwitches.All : SettingSwitches.With(mappings);
        _root.Options.Clear(); // help and version are ours, so that help lists keys, defaults and tasks
        foreach (var setting in Switches)
        {
            var option = SettingOption(setting);
            option.Recursive = true; // clean --state-dir DIR, runs --config FILE
            _settings.Add((setting, option));
            _root.Options.Add(option);
        }

        foreach (var option in _control.All) _root.Options.Add(option);
        _control.Help.Recursive = true;
        foreach (var (command, _) in _state.Listed) _root.Subcommands.Add(command);
        // Running the workflow needs no command: without an action of its own the root would demand one.
        _root.SetAction(_ => { });
    }

    public IReadOnlyList<SettingSwitch> Switches { get; }

    internal IReadOnlyList<Option> ControlOptions => _control.All;

    internal IReadOnlyList<(Command Command, IReadOnlyList<Option> Options)> StateCommands => _state.Listed;

    public CommandLineRequest Parse(IReadOnlyList<string> args)
    {
        var (rest, keys) = KeyArguments.Extract(args);
        var result = _root.Parse(rest);
        if (result.GetValue(_control.Help)) return new CommandLineRequest { Kind = RequestKind.Help };
        var errors = UsageErrors.Of(result, AllNames());
        if (errors.Count > 0) return new CommandLineRequest { Kind = RequestKind.Invalid, Errors = errors };
        if (result.GetValue(_control.Version)) return new CommandLineRequest { Kind = RequestKind.Version };

        var configuration = new List<string>();
        foreach (var (setting, option) in _settings)
        {
            if (result.GetResult(option) is null) continue;
            var value = setting.Value == SwitchValue.Flag ? setting.FlagValue! : result.GetValue(option)!;
            configuration.Add($"--{setting.Key}={value}");
        }

        configuration.AddRange(keys);
        return new CommandLineRequest
        {
            Kind = RequestKind.Run,
            ConfigurationArguments = configuration,
            Selection = new TaskSelection
            {
                Targets = Names(result, _control.Target).Concat(Names(result, _control.Until)).ToList(),
                From = Names(result, _control.From),
                Skip = Names(result, _control.Skip),
            },
            Plan = result.GetResult(_control.Plan) is null ? null : ParsePlanFormat(result.GetValue(_control.Plan)),
            RunAfterPlan = result.GetValue(_control.Run),
            DryRun = result.GetValue(_control.DryRun),
            Clean = result.GetValue(_control.Clean),
            State = StateOf(result),
        };
    }

    private StateRequest? StateOf(ParseResult result)
    {
        if (result.CommandResult.Command == _state.Runs) return new StateRequest(StateCommandKind.Runs);
        if (result.CommandResult.Command == _state.Clean)
        {
            return new StateRequest(StateCommandKind.Clean, result.GetValue(_state.Before),
                result.GetValue(_state.KeepLast) is { } keep ? Dagon.CommandLine.StateCommands.ParseCount(keep) : null, result.GetValue(_state.All));
        }

        return result.GetValue(_control.Clean) ? new StateRequest(StateCommandKind.Clean, All: true) : null;
    }

    private IEnumerable<string> AllNames() =>
        _root.Options.Concat(_state.Listed.SelectMany(c => c.Options)).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));

    private static PlanFormat ParsePlanFormat(string? value) => value switch
    {
        null or "" or "text" => PlanFormat.Text,
        "mermaid" => PlanFormat.Mermaid,
        _ => PlanFormat.Dot,
    };

    private static List<string> Names(ParseResult result, Option<string[]> option) =>
        (result.GetValue(option) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

    private static Option<string> SettingOption(SettingSwitch setting)
    {
        var option = setting.Alias is null ? new Option<string>(setting.Name) : new Option<string>(setting.Name, setting.Alias);
        option.Description = setting.Description;
        option.HelpName = setting.ValueName;
        if (setting.Value == SwitchValue.Flag) option.Arity = ArgumentArity.Zero;
        option.Validators.Add(result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (value is not null && Invalid(setting, value) is { } problem) result.AddError($"{setting.Usage}: {problem}");
        });
        return option;
    }

    private static string? Invalid(SettingSwitch setting, string value) => setting.Value switch
    {
        SwitchValue.Count when !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _) =>
            $"'{value}' is not a whole number of 0 or more (0 means one per core)",
        SwitchValue.Boolean when !bool.TryParse(value, out _) => $"'{value}' is neither true nor false",
        SwitchValue.Choice when !setting.Choices.Contains(value, StringComparer.OrdinalIgnoreCase) =>
            $"'{value}' is not one of {string.Join(", ", setting.Choices)}",
        _ => null,
    };
}
