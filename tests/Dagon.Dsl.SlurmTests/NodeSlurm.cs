using System.Globalization;

namespace Dagon.Dsl.SlurmTests;

/// <summary>
/// The Slurm of the remote test node (scripts/remote-node.sh; Debian sid's Slurm 26.05 in the node's own root, on its
/// own address and ports): an instance of its own ("slurmtests", so it runs beside the remote tests' node), started
/// once per test run with a key this fixture generates and stopped at the end. Commands reach it over SSH as the
/// node's login user, who submits the jobs.
/// </summary>
public sealed class NodeSlurm : SlurmCluster
{
    /// <summary>The instance name; <c>DAGON_TEST_NODE_SUFFIX</c> gives parallel checkouts nodes of their own.</summary>
    public static readonly string Name = "slurmtests" + Environment.GetEnvironmentVariable("DAGON_TEST_NODE_SUFFIX");
    public const int Port = 2252;

    private readonly string _repoRoot;
    private readonly string _scratch;

    public NodeSlurm()
    {
        _repoRoot = Processes.FindRepoRoot();
        _scratch = Path.Combine(Path.GetTempPath(), $"dagon-slurm-node-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(_scratch);
        KeyPath = Path.Combine(_scratch, "id_ed25519");
        var (keyCode, keyOutput) = Processes.Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "dagon-slurm-tests", "-f", KeyPath], TimeSpan.FromSeconds(30));
        if (keyCode != 0) throw new InvalidOperationException($"ssh-keygen failed: {keyOutput}");

        var (code, output) = Script("start");
        if (code != 0)
        {
            throw new InvalidOperationException(
                $"The remote test node with Slurm could not be started (scripts/remote-node.sh start exited with {code}). " +
                $"Run `sudo {_repoRoot}/scripts/remote-node.sh prepare` once (it builds the node root and installs Slurm into it), " +
                $"then rerun the tests.{Environment.NewLine}{output}");
        }

        try
        {
            Env = File.ReadAllLines(Path.Combine(StateDirectory, "node.env"))
            .Where(l => l.Contains('='))
                .ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
            if (!NodeUsable(out var state))
            {
                throw new InvalidOperationException(
                    $"The remote test node runs, but its Slurm does not show the node idle (sinfo over SSH: {state}). " +
                    $"Run `sudo {_repoRoot}/scripts/remote-node.sh prepare`, then rerun the tests; the node's Slurm logs are in {Env.GetValueOrDefault("DAGON_NODE_SLURM_LOG_DIR")}.");
            }

            Check($"mkdir -p {JobDirectory}");
        }
        catch
        {
            Dispose(); // xunit does not dispose a fixture whose constructor failed: the node must not outlive the run
            throw;
        }
    }

    public Dictionary<string, string> Env { get; private set; } = new();

    public string KeyPath { get; }

    public string Address => Env["DAGON_NODE_ADDRESS"];

    public string User => Env["DAGON_NODE_USER"];

    public string HostName => Env["DAGON_NODE_HOSTNAME"];

    public string KnownHostsPath => Env["DAGON_NODE_KNOWN_HOSTS"];

    public string StateDirectory => $"/var/lib/dagon/nodes/{Name}";

    public override string Description => $"the remote test node's Slurm ({User}@{Address}:{Port})";

    /// <summary>On the node's own tmpfs /tmp, which its slurmd's jobs see too.</summary>
    public override string JobDirectory => "/tmp/dagon-slurm-tests";

    public override (int Code, string Output) Shell(string command, TimeSpan? limit = null) =>
        Processes.Run("ssh", [
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", $"UserKnownHostsFile={KnownHostsPath}",
            "-i", KeyPath, "-p", Port.ToString(CultureInfo.InvariantCulture), $"{User}@{Address}", command,
        ], limit ?? TimeSpan.FromSeconds(60));

    private (int Code, string Output) Script(string subcommand) =>
        Processes.Run(Path.Combine(_repoRoot, "scripts", "remote-node.sh"), [subcommand], TimeSpan.FromSeconds(120), new Dictionary<string, string?>
        {
            ["DAGON_NODE_NAME"] = Name,
            // The script chooses the node's address (its own /30); a DAGON_NODE_ADDRESS from outside must not leak in.
            ["DAGON_NODE_ADDRESS"] = null,
            ["DAGON_NODE_PORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["DAGON_NODE_AUTHORIZED_KEY"] = KeyPath + ".pub",
        });

    public override void Dispose()
    {
        Script("stop");
        try { Directory.Delete(_scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class NodeSlurmCollection : ICollectionFixture<NodeSlurm>
{
    public const string Name = "node slurm";
}
