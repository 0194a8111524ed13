namespace Dagon.LocalFiles;

/// <summary>
/// Creates the folders and files on this machine that containers use, closed to every other account: folders 0700
/// and files 0600, owned by the account Apptainer runs as (<see cref="ContainerUser"/>) when that is not the
/// engine's own. Nothing the engine creates is ever writable by other users.
/// </summary>
public sealed class ContainerUserAccess(ContainerUser? user)
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The account folders are handed to, or null when it is the engine's own.</summary>
    public ContainerUser? User => user;

    /// <summary>Makes a file the engine wrote usable by the container user, and by no one else.</summary>
    public void GrantFile(string file)
    {
        if (OperatingSystem.IsWindows()) return;
        System.IO.File.SetUnixFileMode(file, File);
        user?.Own(file);
    }

    /// <summary>Creates <paramref name="path"/> and any missing parents, each 0700 and the container user's.</summary>
    public void CreateDirectory(string path)
    {
        var missing = new Stack<string>();
        for (var current = Path.GetFullPath(path); !Directory.Exists(current); current = Path.GetDirectoryName(current)!)
        {
            missing.Push(current);
        }

        foreach (var created in missing)
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(created);
            else Directory.CreateDirectory(created, Folder);
            Close(created);
        }
    }

    /// <summary>
    /// Closes a folder the engine keeps using across runs (the image cache) that an earlier version or a hand left
    /// open to others: anyone who can write there can swap an image root then runs, and anyone who can read it reads
    /// every image. Any permission beyond the owner's counts, as the engine makes its folders owner-only.
    /// </summary>
    /// <returns>True when the folder had to be closed.</returns>
    public bool CloseIfOpen(string path)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(path)) return false;
        if ((System.IO.File.GetUnixFileMode(path) & ~Folder) == 0) return false;
        Close(path);
        return true;
    }

    private void Close(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        System.IO.File.SetUnixFileMode(folder, Folder); // explicit: the process umask may be lax
        user?.Own(folder);
    }
}
