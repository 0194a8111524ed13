using System.Diagnostics;
using Dagon.Processes;
using Dagon.Places.Ssh;
using Microsoft.Extensions.Configuration;

namespace Dagon.Dsl.RemoteTests;

public sealed class ShellQuoteTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "''")]
    [InlineData("with space", "'with space'")]
    [InlineData("$HOME", "'$HOME'")]
    [InlineData("a;b", "'a;b'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("\"dq\"", "'\"dq\"'")]
    [InlineData("line1\nline2", "'line1\nline2'")]
    [InlineData("/usr/bin/apptainer", "/usr/bin/apptainer")]
    [InlineData("~", "'~'")]
    [InlineData("A=b", "'A=b'")]
    [InlineData("`id`", "'`id`'")]
    [InlineData("*", "'*'")]
    public void Quotes_as_expected(string input, string expected) => Assert.Equal(expected, ShellQuote.Quote(input));

    [Fact]
    public void A_real_shell_gets_back_exactly_each_argument()
    {
        string[] args = ["", "with space", "$HOME", "a;b", "it's", "\"dq\"", "line1\nline2", "`id`", "*", "\\", "-n", "'", "''", "$(echo pwned)", "tab\there", "ünï"];
        var script = "for a in " + ShellQuote.Join(args) + "; do printf '%s\\0' \"$a\"; done";
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, ArgumentList = { "-c", script } };
        using var process = Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(args, text.Split('\0')[..^1]);
    }
}

public sealed class KnownHostsTests
{
    // Two real ed25519 public keys (blobs only matter as bytes here).
    private const string KeyA = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    private const string KeyB = "AAAAC3NzaC1lZDI1NTE5AAAAIB9aNH7oOAhUX1+QmdlfSlM6hZ2eGHeWRVz4DAcK7cpx";

    private static byte[] Blob(string key) => Convert.FromBase64String(key);

    [Fact]
    public void Plain_and_bracketed_port_entries()
    {
        var hosts = KnownHosts.Parse($"example.org ssh-ed25519 {KeyA}\n[example.org]:2222 ssh-ed25519 {KeyB}\n");
        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("example.org", 22, Blob(KeyA)).Status);
        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("example.org", 2222, Blob(KeyB)).Status);
        Assert.Equal(HostKeyStatus.Changed, hosts.Check("example.org", 2222, Blob(KeyA)).Status);
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("other.org", 22, Blob(KeyA)).Status);
        Assert.Equal(2, hosts.Check("example.org", 2222, Blob(KeyA)).Line);
    }

    [Fact]
    public void Hashed_entries_as_ssh_keygen_writes_them()
    {
        var salt = new byte[20];
        Random.Shared.NextBytes(salt);
        var hash = System.Security.Cryptography.HMACSHA1.HashData(salt, "[10.0.0.5]:2200"u8.ToArray());
        var hosts = KnownHosts.Parse($"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(hash)} ssh-ed25519 {KeyA}");
        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("10.0.0.5", 2200, Blob(KeyA)).Status);
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("10.0.0.5", 22, Blob(KeyA)).Status);
        Assert.Equal(HostKeyStatus.Changed, hosts.Check("10.0.0.5", 2200, Blob(KeyB)).Status);
    }

    [Fact]
    public void Patterns_negation_markers_and_comments()
    {
        var hosts = KnownHosts.Parse(
            $"# comment\n*.hpc.edu,!bad.hpc.edu ssh-ed25519 {KeyA}\n@revoked * ssh-ed25519 {KeyB}\n@cert-authority *.hpc.edu ssh-ed25519 {KeyB}\ngarbage line\n");
        Assert.Equal(HostKeyStatus.Trusted, hosts.Check("login.hpc.edu", 22, Blob(KeyA)).Status);
        Assert.Equal(HostKeyStatus.Unknown, hosts.Check("bad.hpc.edu", 22, Blob(KeyA)).Status);
        Assert.Equal(HostKeyStatus.Revoked, hosts.Check("login.hpc.edu", 22, Blob(KeyB)).Status);
    }

    [Fact]
    public void Fingerprints_match_openssh()
    {
        var dir = Directory.CreateTempSubdirectory("dagon-kh");
        try
        {
            var key = Path.Combine(dir.FullName, "k");
            RemoteNode.Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
            var (_, printed) = RemoteNode.Run("ssh-keygen", ["-l", "-E", "sha256", "-f", key + ".pub"]);
            var blob = Convert.FromBase64String(File.ReadAllText(key + ".pub").Split(' ')[1]);
            Assert.Equal(printed.Split(' ')[1], KnownHosts.Fingerprint(blob));
            Assert.Equal("ssh-ed25519", KnownHosts.KeyTypeOf(blob));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

public sealed class HostProfileTests
{
    [Fact]
    public void Ssh_section_is_the_default_and_host_sections_inherit_from_it()
    {
        var ini = Path.GetTempFileName();
        File.WriteAllText(ini, """
            [ssh]
            remote_ip = 192.168.1.100
            ssh_user = kali
            ssh_port = 2222
            ssh_key = /keys/id
            prologue = module load apptainer

            [host:hpc]
            remote_ip = login.hpc.edu
            apptainer = singularity
            tmp_dir = /scratch/$USER
            image_build = local
            """);
        try
        {
            var profiles = new SshHostProfiles(new ConfigurationBuilder().AddIniFile(ini).Build());
            var ssh = profiles.Resolve("ssh");
            Assert.Equal(("192.168.1.100", "kali", 2222), (ssh.Address, ssh.User, ssh.EffectivePort));
            Assert.Same(ssh, profiles.Resolve("default"));
            var hpc = profiles.Resolve("hpc");
            Assert.Equal(("login.hpc.edu", "kali", 2222, "/keys/id"), (hpc.Address, hpc.User, hpc.EffectivePort, hpc.KeyPath));
            Assert.Equal(("singularity", "module load apptainer", RemoteImageBuild.Local), (hpc.EffectiveApptainer, hpc.Prologue, hpc.ImageBuild));
            var adHoc = profiles.Resolve(SshHostProfiles.AdHoc("10.0.0.5", "researcher", 22));
            Assert.Equal(("10.0.0.5", "researcher", 22, "/keys/id"), (adHoc.Address, adHoc.User, adHoc.EffectivePort, adHoc.KeyPath));
            Assert.False(profiles.Knows("nope"));
            var withKey = profiles.Resolve(SshHostProfiles.AdHoc("10.0.0.6", "me", 2200, "/my keys/id x"));
            Assert.Equal(("10.0.0.6", "me", 2200, "/my keys/id x"), (withKey.Address, withKey.User, withKey.EffectivePort, withKey.KeyPath));
        }
        finally
        {
            File.Delete(ini);
        }
    }

    [Fact]
    public void Expands_user_and_home_with_the_hosts_values()
    {
        var environment = new Dagon.Places.PlaceInfo("alice", "/home/alice");
        Assert.Equal("/scratch/alice/x", environment.Expand("/scratch/$USER/x"));
        Assert.Equal("/home/alice/.cache", environment.Expand("~/.cache"));
        Assert.Equal("/tmp/alice-/home/alice", environment.Expand("/tmp/${USER}-$HOME"));
    }

    [Fact]
    public void Task_script_quotes_every_argument_and_records_the_process_group()
    {
        var workspace = new Staging.TaskWorkspace("/tmp/u/dagon work/r/T");
        var script = RemoteTaskScript.Run(
            ["singularity", "exec", "img.sif", "/bin/sh", "-c", "echo $HOME; rm -rf /", "X=a'b"],
            workspace.Root, workspace.WorkDir, workspace.StdoutPath, workspace.StderrPath);
        Assert.StartsWith("cd '/tmp/u/dagon work/r/T/work' || exit 125; ", script);
        Assert.Contains("setsid -w /bin/sh -c ", script);
        Assert.Contains("tee '/tmp/u/dagon work/r/T/stdout.log' < '/tmp/u/dagon work/r/T/.stdout.pipe' &", script);
        Assert.Contains("'/tmp/u/dagon work/r/T/task.pgid' singularity exec img.sif /bin/sh -c 'echo $HOME; rm -rf /' 'X=a'\\''b' > ", script);
        // The program reads /dev/null; only the watcher reads the channel's input, kept as fd 3.
        Assert.Contains("'/tmp/u/dagon work/r/T/.stderr.pipe' < /dev/null 3<&- & program=$!; ", script);
        Assert.Contains("( while read -r _; do :; done; trap '' TERM; pg=$(cat '/tmp/u/dagon work/r/T/task.pgid' 2>/dev/null); ", script);
        Assert.EndsWith("exit $status", script);
    }

    [Fact]
    public void A_command_without_a_control_folder_runs_in_a_group_of_its_own_watched_the_same_way()
    {
        var script = RemoteTaskScript.Guarded(["env", "A=b c", "apptainer", "pull", "x.sif"], "/tmp/it's");
        Assert.StartsWith("cd '/tmp/it'\\''s' || exit 125; " + GroupStop.Function +
            "exec 3<&0; setsid -w env 'A=b c' apptainer pull x.sif < /dev/null 3<&- & program=$!; ", script);
        Assert.Contains("( while read -r _; do :; done; trap '' TERM; pg=\"$program\"; stop_group \"$pg\"; exit 0 )", script);
        // A program that ends by itself: what it left in its group is stopped by the same rule, its status kept.
        Assert.EndsWith("wait $program; status=$?; kill $watcher 2>/dev/null; stop_group $program; exit $status", script);
    }
}
