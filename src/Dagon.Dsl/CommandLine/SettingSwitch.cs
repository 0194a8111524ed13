namespace Dagon.CommandLine;

/// <summary>What values a setting switch accepts; checked while parsing, so a bad value is a usage error (exit 2).</summary>
public enum SwitchValue
{
    Text,
    Count,
    Boolean,
    Choice,
    /// <summary>No value: the switch sets its key to <see cref="SettingSwitch.FlagValue"/>.</summary>
    Flag,
}

/// <summary>
/// A switch that sets one configuration key, so that the command line, <c>DAGON_*</c> variables and dagon.ini all
/// reach the same setting (the command line winning). <see cref="Key"/> is the configuration path (<c>dagon:tmp_dir</c>).
/// </summary>
public sealed record SettingSwitch(string Name, string Key, string ValueName, string Default, string Description)
{
    public string? Alias { get; init; }

    public SwitchValue Value { get; init; } = SwitchValue.Text;

    public IReadOnlyList<string> Choices { get; init; } = [];

    public string? FlagValue { get; init; }

    /// <summary>The key as dagon.ini spells it: <c>[dagon] tmp_dir</c>, or <c>[apptainer] pull = always</c> for a flag.</summary>
    public string IniKey
    {
        get
        {
            if (Key == "config") return "(the dagon.ini file itself)";
            var colon = Key.IndexOf(':', StringComparison.Ordinal);
            var text = $"[{Key[..colon]}] {Key[(colon + 1)..]}";
            return FlagValue is null ? text : $"{text} = {FlagValue}";
        }
    }

    /// <summary><c>-j, --parallelism N</c>: how help and the README show the switch.</summary>
    public string Usage => (Alias is null ? Name : $"{Alias}, {Name}") + (Value == SwitchValue.Flag ? "" : " " + ValueName);
}
