using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Dagon.Dsl.IntegrationTests;
using Dagon.Execution;
using Dagon.Hosting;
using Dagon.Places.Ssh;
using Dagon.Running;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dagon.Dsl.SlurmRunTests;

/// <summary>
/// The remote test node (scripts/remote-node.sh) with its own Slurm 26.05, as an SSH host whose tasks run as Slurm jobs:
/// an instance of its own ("slurmrun", SSH port 2262, so it runs beside the other test projects' nodes), started once
/// for these tests with a key generated here and stopped at the end. Also the local Apptainer's busybox image, which the
/// engine uploads to the node for container jobs.
/// </summary>
public sealed class NodeCluster : IAsyncLifetime
{
    /// <summary>The instance name; <c>DAGON_TEST_NODE_SUFFIX</c> gives parallel checkouts nodes of their own.</summary>
    public static readonly string Name = "slurmrun" + Environment.GetEnvironmentVariable("DAGON_TEST_NODE_SUFFIX");
    public const int Port = 2262;

    /// <summary>The host profile the tests' tasks name with <c>OnHost</c>.</summary>
    public const string Profile = "cluster";

    private readonly string _repoRoot = FindRepoRoot();
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), $"dagon-slurm-run-node-{Environment.ProcessId}");

    public ApptainerFixture Apptainer { get; } = new();

    public Dictionary<string, string> Env { get; private set; } = new();

    public string KeyPath => Path.Combine(_scratch, "id_ed25519");

    public string Address => Env["DAGON_NODE_ADDRESS"];

    public string User => Env["DAGON_NODE_USER"];

    public string HostName => Env["DAGON_NODE_HOSTNAME"];

    public string KnownHostsPath => Env["DAGON_NODE_KNOWN_HOSTS"];

    public string StateDirectory => $"/var/lib/dagon/nodes/{Name}";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_scratch);
        var (keyCode, keyOutput) = Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "dagon-slurm-run-tests", "-f", KeyPath], TimeSpan.FromSeconds(30));
        if (keyCode != 0) throw new InvalidOperationException($"ssh-keygen failed: {keyOutput}");

        var (code, output) = Script("start");
        if (code != 0)
        {
            Script("stop");
            throw new InvalidOperationException(
                $"The remote test node with Slurm could not be started (scripts/remote-node.sh start exited with {code}). " +
                $"Run `sudo {_repoRoot}/scripts/remote-node.sh prepare` once (it builds the node root and installs Slurm into it), " +
                $"then rerun the tests.{Environment.NewLine}{output}");
        }

        Env = File.ReadAllLines(Path.Combine(StateDirectory, "node.env"))
            .Where(l => l.Contains('='))
            .ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
        var (sinfoCode, state) = Ssh("sinfo -h -N -o %T");
        if (sinfoCode != 0 || !state.Trim().StartsWith("idle", StringComparison.Ordinal))
        {
            Script("stop");
            throw new InvalidOperationException(
                $"The remote test node runs, but its Slurm does not show the node idle (sinfo over SSH: {state.Trim()}). " +
                $"Run `sudo {_repoRoot}/scripts/remote-node.sh prepare`, then rerun the tests; the node's Slurm logs are in {Env.GetValueOrDefault("DAGON_NODE_SLURM_LOG_DIR")}.");
        }

        await Apptainer.InitializeAsync();
    }

    /// <summary>
    /// dagon.ini for the node as host "cluster" with <c>scheduler = slurm</c>; Slurm is polled every half second.
    /// Workspaces on the node stay (remove=false in the tests) in its own /tmp, which its slurmd's jobs see too.
    /// </summary>
    public Dictionary<string, string?> Config(string localTmp) => new()
    {
        [$"host:{Profile}:remote_ip"] = Address,
        [$"host:{Profile}:ssh_user"] = User,
        [$"host:{Profile}:ssh_port"] = Port.ToString(CultureInfo.InvariantCulture),
        [$"host:{Profile}:ssh_key"] = KeyPath,
        [$"host:{Profile}:known_hosts"] = KnownHostsPath,
        [$"host:{Profile}:connect_timeout_seconds"] = "5",
        [$"host:{Profile}:tmp_dir"] = "/tmp/$USER/dagon-slurm-run",
        [$"host:{Profile}:scheduler"] = "slurm",
        [$"host:{Profile}:slurm_poll_interval_seconds"] = "0.5",
        [$"host:{Profile}:slurm_max_poll_interval_seconds"] = "2",
        ["dagon:tmp_dir"] = localTmp,
        ["dagon:max_parallelism"] = "2",
        ["apptainer:image_cache_dir"] = Apptainer.NewFolder("cache"),
    };

    /// <summary>Runs a command on the node as its login user over OpenSSH's client.</summary>
    public (int Code, string Output) Ssh(string command) =>
        Run("ssh", [
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", $"UserKnownHostsFile={KnownHostsPath}",
            "-i", KeyPath, "-p", Port.ToString(CultureInfo.InvariantCulture), $"{User}@{Address}", command,
        ], TimeSpan.FromSeconds(60));

    /// <summary>
    /// Runs a command inside the running node as root (its namespaces and root, as scripts/remote-node.sh does), for
    /// what only Slurm's administrator may do, such as taking the node down.
    /// </summary>
    public (int Code, string Output) NodeExec(params string[] command)
    {
        var outer = File.ReadAllText(Path.Combine(StateDirectory, "pid")).Trim();
        var init = File.ReadAllText($"/proc/{outer}/task/{outer}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return Run("nsenter", ["--target", init, "--mount", "--uts", "--ipc", "--net", "--pid", "--",
            "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C.UTF-8", .. command], TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        Script("stop");
        await Apptainer.DisposeAsync();
        try { Directory.Delete(_scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private (int Code, string Output) Script(string subcommand) =>
        Run(Path.Combine(_repoRoot, "scripts", "remote-node.sh"), [subcommand], TimeSpan.FromSeconds(120), new Dictionary<string, string?>
        {
            ["DAGON_NODE_NAME"] = Name,
            // The script chooses the node's address (its own /30); a DAGON_NODE_ADDRESS from outside must not leak in.
            ["DAGON_NODE_ADDRESS"] = null,
            ["DAGON_NODE_PORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["DAGON_NODE_AUTHORIZED_KEY"] = KeyPath + ".pub",
        });

    private static (int Code, string Output) Run(string file, IEnumerable<string> args, TimeSpan limit, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"{file} {string.Join(' ', args)}: timed out after {limit.TotalSeconds} s");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dagon.Dsl.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("cannot find the repository root (Dagon.Dsl.sln) above " + AppContext.BaseDirectory);
    }
}

/// <summary>The engine wired as a program with SSH hosts wires it (AddDagon, AddDagonSsh), its log lines captured.</summary>
public sealed class NodeHost : IDisposable
{
    private readonly ServiceProvider _services;

    public NodeHost(Dictionary<string, string?> settings, ITestOutputHelper output)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new CaptureProvider(Log, output)));
        services.AddDagon(configuration).AddDagonSsh(configuration);
        _services = services.BuildServiceProvider();
    }

    /// <summary>The run's log lines, messages only.</summary>
    public ConcurrentQueue<string> Log { get; } = new();

    public Task<RunResult> RunAsync(Dagon.Model.WorkflowBuilder workflow) => _services.GetRequiredService<WorkflowRunner>().RunAsync(workflow.Build());

    public void Dispose() => _services.Dispose();

    private sealed class CaptureProvider(ConcurrentQueue<string> log, ITestOutputHelper output) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Capture(log, output);

        public void Dispose() { }
    }

    private sealed class Capture(ConcurrentQueue<string> log, ITestOutputHelper output) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = formatter(state, exception);
            log.Enqueue(line);
            try { output.WriteLine($"{logLevel}: {line}"); } catch (InvalidOperationException) { /* the test already finished */ }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class NodeClusterCollection : ICollectionFixture<NodeCluster>
{
    public const string Name = "Node Slurm over SSH";
}
