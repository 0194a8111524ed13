namespace Dagon.Execution.Apptainer;

/// <summary>Finds the Apptainer executable the way a shell would, so a missing install fails before any task starts.</summary>
public static class ApptainerLocator
{
    public static string Resolve(string executable)
    {
        if (executable.Contains('/'))
        {
            var full = Path.GetFullPath(executable);
            return File.Exists(full) ? full : throw new ApptainerNotFoundException(executable);
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, executable);
            if (File.Exists(candidate) && IsExecutable(candidate)) return candidate;
        }

        throw new ApptainerNotFoundException(executable);
    }

    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
