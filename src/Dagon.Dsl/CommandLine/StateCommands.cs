using System.CommandLine;
using System.Globalization;

namespace Dagon.CommandLine;

/// <summary>
/// The commands that look after the state folder instead of running the workflow: <c>runs</c> lists the recorded
/// runs, <c>clean</c> removes chosen ones (their work folders on every place, their records, their logs).
/// </summary>
internal sealed class StateCommands
{
    public Command Runs { get; } = new("runs", "list the recorded runs (id, start, end, tasks, failures by kind, retries, work folders still kept), then stop");

    public Command Clean { get; } = new("clean",
        "remove recorded runs: their kept work folders (SSH hosts too), journal records, logs and JSON; then stop");

    public Option<string> Before { get; } = new("--before") { Description = "every run recorded before RUN (RUN stays)", HelpName = "RUN" };

    public Option<string> KeepLast { get; } = new("--keep-last") { Description = "all but the newest N runs", HelpName = "N" };

    public Option<bool> All { get; } = new("--all") { Description = "every run" };

    public StateCommands()
    {
        KeepLast.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && ParseCount(result.Tokens[0].Value) is null)
            {
                result.AddError($"--keep-last N: '{result.Tokens[0].Value}' is not a whole number of 0 or more");
            }
        });
        Clean.Options.Add(Before);
        Clean.Options.Add(KeepLast);
        Clean.Options.Add(All);
        Clean.Validators.Add(result =>
        {
            var chosen = new Option[] { Before, KeepLast, All }.Count(o => result.GetResult(o) is not null);
            if (chosen != 1) result.AddError("clean: name what to remove with exactly one of --before RUN, --keep-last N or --all ('runs' lists the runs)");
        });
    }

    /// <summary>In the order help lists them, each with the switches it takes.</summary>
    public IReadOnlyList<(Command Command, IReadOnlyList<Option> Options)> Listed => [(Runs, []), (Clean, [Before, KeepLast, All])];

    public static int? ParseCount(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : null;
}
