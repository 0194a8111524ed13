namespace Dagon.LocalFiles;

/// <summary>
/// Creates folders and files on this machine that a container runtime writes into. Where the engine runs as root but
/// Apptainer must run as an ordinary user (Apptainer's unprivileged HPC mode; root is refused on hosts without
/// CAP_SYS_RESOURCE), what the engine creates would otherwise be unwritable by the container, so it is made
/// writable by that user too. Unprivileged engines create everything as the user Apptainer runs as, and change nothing.
/// </summary>
internal static class ContainerUserAccess
{
    private const UnixFileMode Folder =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private const UnixFileMode File =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead |
        UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>Makes a file the engine wrote writable by the container user.</summary>
    public static void GrantFile(string file)
    {
        if (!Environment.IsPrivilegedProcess || OperatingSystem.IsWindows()) return;
        System.IO.File.SetUnixFileMode(file, File);
    }

    /// <summary>Creates <paramref name="path"/> and any missing parents, each writable by the container user.</summary>
    public static void CreateDirectory(string path)
    {
        var missing = new Stack<string>();
        for (var current = Path.GetFullPath(path); !Directory.Exists(current); current = Path.GetDirectoryName(current)!)
        {
            missing.Push(current);
        }

        Directory.CreateDirectory(path);
        if (!Environment.IsPrivilegedProcess || OperatingSystem.IsWindows()) return;
        foreach (var created in missing) System.IO.File.SetUnixFileMode(created, Folder);
    }
}
