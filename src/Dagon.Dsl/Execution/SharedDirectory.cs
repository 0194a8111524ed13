namespace Dagon.Execution;

/// <summary>
/// Creates folders that a container runtime writes into. Where the engine runs as root but Apptainer must run as an
/// ordinary user (Apptainer's unprivileged HPC mode; root is refused on hosts without CAP_SYS_RESOURCE), folders the
/// engine creates would otherwise be unwritable by the container, so they are opened up to everyone.
/// </summary>
internal static class SharedDirectory
{
    private const UnixFileMode Shared =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Makes a file the engine wrote readable and writable by the container user.</summary>
    public static void OpenUp(string file)
    {
        if (!Environment.IsPrivilegedProcess || OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead |
                                   UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
    }

    public static void Create(string path)
    {
        var missing = new Stack<string>();
        for (var current = Path.GetFullPath(path); !Directory.Exists(current); current = Path.GetDirectoryName(current)!)
        {
            missing.Push(current);
        }

        Directory.CreateDirectory(path);
        if (!Environment.IsPrivilegedProcess || OperatingSystem.IsWindows()) return;
        foreach (var created in missing) File.SetUnixFileMode(created, Shared);
    }
}
