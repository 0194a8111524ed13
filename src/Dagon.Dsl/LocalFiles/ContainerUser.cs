using System.Runtime.InteropServices;
using Dagon.Processes;

namespace Dagon.LocalFiles;

/// <summary>
/// The account Apptainer runs as on this machine, when it is not the engine's own: an engine started as root with
/// Apptainer in its unprivileged HPC mode (root is refused on hosts without CAP_SYS_RESOURCE; the provisioning
/// script's wrapper runs it as an ordinary user). What the engine creates for containers is then handed to that
/// account and closed to everyone else; otherwise it is the engine's own and closed to everyone else.
/// </summary>
public sealed partial class ContainerUser
{
    /// <summary>Marks the provisioning script's Apptainer wrapper; a line "container-user: NAME" names its account.</summary>
    public const string WrapperMarker = "dagon-apptainer-wrapper";

    private ContainerUser(string name, uint uid, uint gid) => (Name, Uid, Gid) = (name, uid, gid);

    public string Name { get; }

    public uint Uid { get; }

    public uint Gid { get; }

    /// <summary>
    /// The account to hand folders to, or null when containers run as the engine's own user. A configured name wins;
    /// otherwise a root engine whose <paramref name="apptainer"/> is the wrapper uses the account the wrapper names.
    /// </summary>
    /// <exception cref="InvalidOperationException">The configured or declared account does not exist.</exception>
    public static ContainerUser? Resolve(string? configured, string apptainer)
    {
        if (!Environment.IsPrivilegedProcess || OperatingSystem.IsWindows()) return null;
        var name = string.IsNullOrWhiteSpace(configured) ? FromWrapper(apptainer) : configured.Trim();
        if (name is null || name == "root") return null;
        return Lookup(name) ?? throw new InvalidOperationException(
            $"the account '{name}' that Apptainer runs as (container_user in [apptainer], or the wrapper's) does not exist on this machine");
    }

    private static string? FromWrapper(string apptainer)
    {
        var path = ExecutableSearch.Find(apptainer);
        if (path is null) return null;
        try
        {
            using var reader = new StreamReader(path);
            var buffer = new char[8192];
            var head = new string(buffer, 0, reader.Read(buffer, 0, buffer.Length));
            if (!head.Contains(WrapperMarker, StringComparison.Ordinal)) return null;
            var declared = head.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("# container-user:", StringComparison.Ordinal));
            return declared is null ? "dagon" : declared["# container-user:".Length..].Trim();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static ContainerUser? Lookup(string name)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == name && uint.TryParse(fields[2], out var uid) && uint.TryParse(fields[3], out var gid))
            {
                return new ContainerUser(name, uid, gid);
            }
        }

        return null;
    }

    /// <summary>Hands <paramref name="path"/> to the account.</summary>
    public void Own(string path)
    {
        if (Chown(path, Uid, Gid) != 0)
        {
            throw new IOException($"could not hand {path} to user '{Name}' (chown failed, errno {Marshal.GetLastPInvokeError()})");
        }
    }

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Chown(string path, uint owner, uint group);
}
