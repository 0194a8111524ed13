namespace Dagon.LocalFiles;

/// <summary>
/// Names this machine in marks the engine leaves on other machines (an SSH host's run folders), so that a process id
/// in such a mark is only ever judged on the machine where it was a process: <c>/etc/machine-id</c>, or the host
/// name where there is none.
/// </summary>
public static class MachineId
{
    public static string Current { get; } = Read();

    private static string Read()
    {
        try
        {
            var id = File.ReadAllText("/etc/machine-id").Trim();
            if (id.Length > 0 && !id.Any(char.IsWhiteSpace)) return id;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
        }

        return "host-" + Environment.MachineName.Replace(' ', '_');
    }
}
