using Dagon.Model;

namespace Dagon.Places.Ssh;

/// <summary>DagOnStar-style remote placement in the fluent API, beside <see cref="TaskBuilder.OnHost"/> (a named host profile).</summary>
public static class SshTaskBuilderExtensions
{
    /// <summary>
    /// DagOnStar's per-task <c>ip</c>, <c>ssh_username</c> and <c>ssh_port</c>: runs the task on that address; the key
    /// (unless given), known_hosts file and remote settings come from dagon.ini's <c>[ssh]</c> section.
    /// </summary>
    public static TaskBuilder OnSsh(this TaskBuilder task, string ip, string? sshUsername = null, int sshPort = 22, string? privateKey = null) =>
        task.OnHost(SshHostProfiles.AdHoc(ip, sshUsername, sshPort, privateKey));
}
