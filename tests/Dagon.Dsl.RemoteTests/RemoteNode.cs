using System.Diagnostics;

namespace Dagon.Dsl.RemoteTests;

/// <summary>
/// A real remote HPC node for the tests (scripts/remote-node.sh): its own namespaces (network included), hostname
/// and root, sshd on the node's own address (which the script chooses and writes to node.env), a login user whose
/// only key is one this fixture generates. Started once per test run, stopped at the end.
/// </summary>
public sealed class RemoteNode : IDisposable
{
    /// <summary>The instance name; <c>DAGON_TEST_NODE_SUFFIX</c> gives parallel checkouts nodes of their own.</summary>
    public static readonly string Name = "remotetests" + Environment.GetEnvironmentVariable("DAGON_TEST_NODE_SUFFIX");
    public const int Port = 2232;

    public RemoteNode()
    {
        RepoRoot = FindRepoRoot();
        Scratch = Path.Combine(Path.GetTempPath(), $"dagon-remote-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(Scratch);
        KeyPath = Path.Combine(Scratch, "id_ed25519");
        Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "dagon-remote-tests", "-f", KeyPath]);
        OtherKeyPath = Path.Combine(Scratch, "not_authorized");
        Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "not-authorized", "-f", OtherKeyPath]);
        Start();
        LocalImage = BuildLocalBusyboxImage();
    }

    public string RepoRoot { get; }
    public string Scratch { get; }
    public string KeyPath { get; }
    public string OtherKeyPath { get; }
    /// <summary>The node's own address, in its own network namespace (DAGON_NODE_ADDRESS in node.env).</summary>
    public string Address => Env["DAGON_NODE_ADDRESS"];
    public string KnownHostsPath => Env["DAGON_NODE_KNOWN_HOSTS"];
    public string User => Env["DAGON_NODE_USER"];
    public string HostName => Env["DAGON_NODE_HOSTNAME"];
    public string SshdLog => Env["DAGON_NODE_SSHD_LOG"];
    public string NodeRoot => Env["DAGON_NODE_ROOT"];

    /// <summary>A busybox SIF built on this machine (for the upload path and for local tasks); null without local Apptainer.</summary>
    public string? LocalImage { get; }

    /// <summary>The .def that remote hosts build their busybox image from (the "built on the host" path).</summary>
    public string NodeDefinition => Path.Combine(AppContext.BaseDirectory, "busybox-host.def");

    public Dictionary<string, string> Env { get; private set; } = new();

    public void Start()
    {
        var (code, output) = Script("start");
        if (code != 0)
        {
            throw new InvalidOperationException(
                $"The remote test node could not be started (scripts/remote-node.sh start exited with {code}). " +
                $"Run `sudo {RepoRoot}/scripts/remote-node.sh prepare` once, then rerun the tests.{Environment.NewLine}{output}");
        }

        Env = File.ReadAllLines(Path.Combine(StateDirectory, "node.env"))
            .Where(l => l.Contains('='))
            .ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
    }

    public void Stop() => Script("stop");

    /// <summary>
    /// Cuts every SSH connection to the node while its sshd keeps listening, as a dropped link does: kills (SIGKILL)
    /// the per-connection <c>sshd-session</c> processes of this node only, told apart from other nodes' by their
    /// network namespace (DAGON_NODE_NETNS). Returns how many it killed.
    /// </summary>
    public int KillSshSessions()
    {
        var nodeNamespace = Run("stat", ["-L", "-c", "net:[%i]", $"/run/netns/{Env["DAGON_NODE_NETNS"]}"]).Output.Trim();
        var killed = 0;
        foreach (var folder in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(folder, "comm")).Trim() != "sshd-session") continue;
                if (new FileInfo(Path.Combine(folder, "ns", "net")).LinkTarget != nodeNamespace) continue;
                using var process = Process.GetProcessById(pid);
                process.Kill();
                killed++;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // The process ended while it was looked at.
            }
        }

        return killed;
    }

    public string StateDirectory => $"/var/lib/dagon/nodes/{Name}";

    /// <summary>Connections sshd accepted so far (LogLevel VERBOSE logs one "Accepted publickey" line each).</summary>
    /// <summary>The node's sshd log, line by line (empty until sshd has written one).</summary>
    public string[] LogLines() => File.Exists(SshdLog) ? File.ReadAllLines(SshdLog) : [];

    public int AcceptedConnections() =>
        File.Exists(SshdLog) ? File.ReadAllLines(SshdLog).Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal)) : 0;

    /// <summary>The [host:node] profile (and [ssh] defaults) for this node, as dagon.ini keys.</summary>
    public Dictionary<string, string?> Config(string profile = "node", string? keyPath = null, string? knownHosts = null, int? port = null) => new()
    {
        [$"host:{profile}:remote_ip"] = Address,
        [$"host:{profile}:ssh_user"] = User,
        [$"host:{profile}:ssh_port"] = (port ?? Port).ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"host:{profile}:ssh_key"] = keyPath ?? KeyPath,
        [$"host:{profile}:known_hosts"] = knownHosts ?? KnownHostsPath,
        [$"host:{profile}:connect_timeout_seconds"] = "3",
        [$"host:{profile}:tmp_dir"] = "/tmp/$USER/dagon work",
        ["dagon:tmp_dir"] = Path.Combine(Scratch, "local"),
        ["apptainer:image_cache_dir"] = Path.Combine(Scratch, "image-cache"),
    };

    /// <summary>Runs a command on the node with OpenSSH's client (for checks and the overhead baseline).</summary>
    public (int Code, string Output) Ssh(string command, IEnumerable<string>? options = null) =>
        Run("ssh", [.. options ?? [], "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={KnownHostsPath}", "-i", KeyPath, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{User}@{Address}", command], check: false);

    public (int Code, string Output) Script(string subcommand)
    {
        var start = new ProcessStartInfo(Path.Combine(RepoRoot, "scripts", "remote-node.sh")) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(subcommand);
        start.Environment["DAGON_NODE_NAME"] = Name;
        // The script chooses the node's address (its own /30); a DAGON_NODE_ADDRESS from outside must not leak in.
        start.Environment.Remove("DAGON_NODE_ADDRESS");
        start.Environment["DAGON_NODE_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["DAGON_NODE_AUTHORIZED_KEY"] = KeyPath + ".pub";
        return Exec(start, TimeSpan.FromSeconds(120));
    }

    public static (int Code, string Output) Run(string file, IEnumerable<string> args, bool check = true, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        var result = Exec(start, TimeSpan.FromSeconds(300));
        if (check && result.Code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {result.Code}: {result.Output}");
        return result;
    }

    private static (int Code, string Output) Exec(ProcessStartInfo start, TimeSpan limit)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {limit.TotalSeconds} s");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private string? BuildLocalBusyboxImage()
    {
        if (!File.Exists("/usr/local/bin/apptainer") || !File.Exists("/bin/busybox")) return null;
        var dir = Path.Combine(Scratch, "busybox-rootfs");
        foreach (var d in new[] { "bin", "etc", "tmp", "work" }) Directory.CreateDirectory(Path.Combine(dir, d));
        File.Copy("/bin/busybox", Path.Combine(dir, "bin", "busybox"), overwrite: true);
        var (_, list) = Run("/bin/busybox", ["--list"]);
        foreach (var applet in list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (applet != "busybox") File.CreateSymbolicLink(Path.Combine(dir, "bin", applet), "busybox");
        }

        File.WriteAllText(Path.Combine(dir, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        // The local Apptainer runs as an ordinary user that must write here.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Scratch, (UnixFileMode)0x1FF);
        var image = Path.Combine(Scratch, "busybox-local.sif");
        Run("/usr/local/bin/apptainer", ["-s", "build", image, dir + "/"]);
        return image;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dagon.Dsl.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("cannot find the repository root (Dagon.Dsl.sln) above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        Stop();
        try { Directory.Delete(Scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class RemoteNodeCollection : ICollectionFixture<RemoteNode>
{
    public const string Name = "remote node";
}
