using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Dagon.Model;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

[Collection(RemoteNodeCollection.Name)]
public sealed class SshFailureTests(RemoteNode node, ITestOutputHelper output)
{
    private WorkflowBuilder OneRemoteTask(string command = "echo hello") =>
        Workflow.Create("Fail").DefaultImage(node.NodeDefinition).Task("R", t => t.Command(command).OnHost("node").NoOverlay());

    [Fact]
    public async Task A_key_the_host_does_not_accept_fails_with_a_clear_authentication_error()
    {
        await using var harness = new Harness(node.Config(keyPath: node.OtherKeyPath), output);
        var result = await harness.RunAsync(OneRemoteTask());
        Assert.False(result.Succeeded);
        Assert.Contains("Permission denied (publickey) on host 'node'", result.SetupError);
        Assert.Contains("ssh-copy-id", result.SetupError);
    }

    [Fact]
    public async Task An_invalid_setting_fails_the_hosts_tasks_naming_the_section()
    {
        var settings = node.Config();
        settings["host:node:ssh_port"] = "twenty-two";
        await using var harness = new Harness(settings, output);
        var result = await harness.RunAsync(OneRemoteTask());
        Assert.False(result.Succeeded);
        Assert.Contains("invalid setting in the [host:node] section of dagon.ini", result.SetupError);
    }

    [Fact]
    public async Task An_unknown_host_key_fails_with_its_fingerprint_and_how_to_trust_it()
    {
        var empty = Path.Combine(node.Scratch, "empty_known_hosts");
        await File.WriteAllTextAsync(empty, "");
        await using var harness = new Harness(node.Config(knownHosts: empty), output);
        var result = await harness.RunAsync(OneRemoteTask());
        Assert.False(result.Succeeded);
        Assert.Contains("unknown host key for host 'node'", result.SetupError);
        Assert.Matches("SHA256:[A-Za-z0-9+/]{43}", result.SetupError);
        Assert.Contains($"ssh-keyscan -p {RemoteNode.Port} {node.Address} >> {empty}", result.SetupError);
    }

    [Fact]
    public async Task A_refused_host_is_reached_once_and_its_tasks_are_reported_as_not_run()
    {
        var empty = Path.Combine(node.Scratch, "refused_known_hosts");
        await File.WriteAllTextAsync(empty, "");
        var before = node.LogLines().Length;
        var workflow = Workflow.Create("Refused").DefaultImage(node.NodeDefinition)
            .Task("First", t => t.Command("echo one").OnHost("node").NoOverlay())
            .Task("Second", t => t.Command("cat workflow:///First/x; echo two").OnHost("node").NoOverlay())
            .BatchTask("Here", "echo here");
        await using var harness = new Harness(node.Config(knownHosts: empty), output);
        var result = await harness.RunAsync(workflow);
        var again = await harness.RunAsync(workflow); // the same engine: the host stays refused without asking it again

        Assert.Contains("Host 'node' cannot be used: unknown host key for host 'node'", result.SetupError);
        Assert.Contains("Host 'node' cannot be used: unknown host key for host 'node'", again.SetupError);
        Assert.All(["First", "Second"], name =>
        {
            Assert.Equal(TaskState.Skipped, result[name].Outcome.State);
            Assert.Equal("not run: host 'node' cannot be used", result[name].Outcome.Reason);
        });
        Assert.DoesNotContain("Could not remove", harness.Log);
        // sshd writes its log asynchronously: wait for the one attempt, then give a second one time to show.
        int Attempts() => node.LogLines()[before..].Count(l => l.StartsWith("Connection from", StringComparison.Ordinal));
        for (var i = 0; i < 50 && Attempts() == 0; i++) await Task.Delay(100);
        await Task.Delay(1000);
        var attempts = Attempts();
        output.WriteLine(string.Join('\n', node.LogLines()[before..]));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_changed_host_key_is_refused_as_a_possible_attack()
    {
        // The node's address with somebody else's ed25519 key.
        var fake = (await File.ReadAllTextAsync(node.OtherKeyPath + ".pub")).Split(' ');
        var path = Path.Combine(node.Scratch, "changed_known_hosts");
        await File.WriteAllTextAsync(path, $"[{node.Address}]:{RemoteNode.Port} {fake[0]} {fake[1]}\n");
        await using var harness = new Harness(node.Config(knownHosts: path), output);
        var result = await harness.RunAsync(OneRemoteTask());
        Assert.False(result.Succeeded);
        Assert.Contains("HOST KEY CHANGED for host 'node'", result.SetupError);
        Assert.Contains("line 1", result.SetupError);
    }

    [Fact]
    public async Task Hashed_known_hosts_entries_are_accepted_and_disabled_checking_is_a_logged_warning()
    {
        var hashed = Path.Combine(node.Scratch, "hashed_known_hosts");
        File.Copy(node.KnownHostsPath, hashed, overwrite: true);
        RemoteNode.Run("ssh-keygen", ["-H", "-f", hashed]);
        Assert.StartsWith("|1|", (await File.ReadAllTextAsync(hashed)).Trim());
        await using (var harness = new Harness(node.Config(knownHosts: hashed), output))
        {
            var result = await harness.RunAsync(OneRemoteTask());
            Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, harness));
        }

        var settings = node.Config(knownHosts: Path.Combine(node.Scratch, "does-not-exist"));
        settings["host:node:strict_host_key_checking"] = "false";
        await using (var insecure = new Harness(settings, output))
        {
            var result = await insecure.RunAsync(OneRemoteTask());
            Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, insecure));
            Assert.Contains(insecure.Lines, l => l.StartsWith("WARN", StringComparison.Ordinal) && l.Contains("NOT verified", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task An_unreachable_node_fails_clearly_within_the_connect_timeout()
    {
        // Nothing listens: refused at once.
        await using (var harness = new Harness(node.Config(port: 2299), output))
        {
            var result = await harness.RunAsync(OneRemoteTask());
            Assert.False(result.Succeeded);
            Assert.Contains("cannot connect to host 'node'", result.SetupError);
            Assert.Contains("ConnectionRefused", result.SetupError);
        }

        // Something accepts but never speaks SSH (a hung host): bounded by connect_timeout_seconds (3 s here).
        using var silent = new TcpListener(IPAddress.Parse("127.0.0.3"), 0);
        silent.Start();
        var accepted = new List<Socket>();
        _ = Task.Run(async () =>
        {
            for (var i = 0; i < 4; i++) accepted.Add(await silent.AcceptSocketAsync());
        });
        var settings = node.Config(port: ((IPEndPoint)silent.LocalEndpoint).Port);
        settings["host:node:remote_ip"] = "127.0.0.3";
        var stopwatch = Stopwatch.StartNew();
        await using (var harness = new Harness(settings, output))
        {
            var result = await harness.RunAsync(OneRemoteTask());
            stopwatch.Stop();
            Assert.False(result.Succeeded);
            Assert.Contains("no SSH answer within 3 s", result.SetupError);
            Assert.InRange(stopwatch.Elapsed.TotalSeconds, 2.5, 8);
        }

        foreach (var socket in accepted) socket.Dispose();
    }

    [Fact]
    public async Task Killing_sshd_mid_task_fails_that_task_clearly_while_independent_local_tasks_finish()
    {
        var workflow = Workflow.Create("Kill").DefaultImage(node.NodeDefinition)
            .Task("Remote", t => t.Command("sleep 30").OnHost("node").NoOverlay());
        if (node.LocalImage is not null)
        {
            workflow.Task("Local", t => t.Command("sleep 3 && echo local-done").Image(node.LocalImage).NoOverlay());
        }

        await using var harness = new Harness(node.Config(), output);
        try
        {
            var run = harness.RunAsync(workflow);
            await RemoteWorkflowTests.WaitForAsync(() => harness.Log.Contains("Executing in remote container on node: sleep 30", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            await Task.Delay(500);
            node.Stop();
            var result = await run.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(TaskState.Failed, result["Remote"].Outcome.State);
            Assert.Contains("SSH connection to host 'node'", result["Remote"].Outcome.Reason);
            Assert.Contains("was lost", result["Remote"].Outcome.Reason);
            if (node.LocalImage is not null)
            {
                Assert.Equal(TaskState.Succeeded, result["Local"].Outcome.State);
                Assert.Equal(["local-done"], harness.StdoutOf("Local"));
            }
        }
        finally
        {
            node.Start();
        }

        // The same engine (same connection pool) connects again to the restarted host.
        var again = await harness.RunAsync(OneRemoteTask("echo back"));
        Assert.True(again.Succeeded, RemoteWorkflowTests.Describe(again, harness));
        Assert.Contains("was lost; connecting again", harness.Log);
        Assert.Equal(["back"], harness.StdoutOf("R"));
    }
}
