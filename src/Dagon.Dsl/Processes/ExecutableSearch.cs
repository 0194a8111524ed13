namespace Dagon.Processes;

/// <summary>Finds a program the way a shell would: a path as given, or the first executable match on PATH.</summary>
public static class ExecutableSearch
{
    public static string? Find(string executable)
    {
        if (executable.Contains('/'))
        {
            var full = Path.GetFullPath(executable);
            return File.Exists(full) ? full : null;
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, executable);
            if (File.Exists(candidate) && IsExecutable(candidate)) return candidate;
        }

        return null;
    }

    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
