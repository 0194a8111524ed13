using System.Globalization;

namespace Dagon.LocalFiles;

/// <summary>
/// Which process owns something on disk: its id and its start time (field 22 of <c>/proc/PID/stat</c>), so a later
/// process that happens to get the same id is never taken for the owner.
/// </summary>
public readonly record struct ProcessIdentity(int Pid, long StartTime)
{
    public static ProcessIdentity Current { get; } = new(Environment.ProcessId, StartTimeOf(Environment.ProcessId) ?? 0);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Pid} {StartTime}");

    public static ProcessIdentity? Parse(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid) &&
               long.TryParse(parts[1], CultureInfo.InvariantCulture, out var start)
            ? new ProcessIdentity(pid, start)
            : null;
    }

    /// <summary>True while the very process that wrote this identity runs.</summary>
    public bool IsAlive => StartTimeOf(Pid) is { } start && start == StartTime;

    /// <summary>True while some process with this id runs (for names that record only the id).</summary>
    public static bool IsRunning(int pid) => StartTimeOf(pid) is not null;

    private static long? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may hold spaces and parentheses; the fields after its closing ')' do not.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
