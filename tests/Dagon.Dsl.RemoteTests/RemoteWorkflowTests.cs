using System.Diagnostics;
using Dagon.Execution;
using Dagon.Places.Ssh;
using Dagon.Processes;
using Dagon.Model;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

[Collection(RemoteNodeCollection.Name)]
public sealed class RemoteWorkflowTests(RemoteNode node, ITestOutputHelper output)
{
    internal static string Describe(RunResult result, Harness harness) =>
        string.Join('\n', result.Tasks.Select(t => $"{t.Task.DisplayName}: {t.Outcome}")) + $"\nsetup: {result.SetupError}\n--- log ---\n{harness.Log}";

    private string LocalImage => node.LocalImage ?? throw new InvalidOperationException(
        "local tasks need the local Apptainer (/usr/local/bin/apptainer from scripts/setup-apptainer.sh) and /bin/busybox (busybox-static)");

    /// <summary>Settings for the node as profile "node", plus "node2": the same machine under another profile and work folder.</summary>
    private Dictionary<string, string?> TwoProfiles()
    {
        var config = node.Config();
        foreach (var (key, value) in node.Config("node2")) config[key] = value;
        config["host:node2:tmp_dir"] = "/tmp/$USER/second profile";
        return config;
    }

    [Fact]
    public async Task DagOnStar_remote_demo_runs_every_task_on_the_node_and_reuses_the_host_image()
    {
        WorkflowBuilder Demo() => Workflow.Create("DataFlow-Demo-Apptainer-Remote")
            .DefaultImage(node.NodeDefinition)
            .Task("A", t => t.Command("mkdir -p output && hostname > output/f1.txt").OnHost("node"))
            .Task("B", t => t.Command("echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt").OnHost("node"))
            .Task("C", t => t.Command("echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt").OnHost("node"))
            .Task("D", t => t.Command("cat workflow:///B/f2.txt >> f3.txt && cat workflow:///C/f2.txt >> f3.txt && cat f3.txt").OnHost("node"));

        await using (var harness = new Harness(node.Config(), output))
        {
            var result = await harness.RunAsync(Demo());
            Assert.True(result.Succeeded, Describe(result, harness));
            var d = harness.StdoutOf("D");
            Assert.Equal(4, d.Count);
            Assert.Equal(2, d.Count(l => l == node.HostName));
            Assert.Contains("Executing in remote container on node", harness.Log);
        }

        // A second run finds the image in the host's cache: nothing is built again.
        string runId;
        await using (var again = new Harness(node.Config(), output))
        {
            var result = await again.RunAsync(Demo());
            Assert.True(result.Succeeded, Describe(result, again));
            Assert.Equal(0, again.RemoteImages.BuildCount);
            Assert.Contains("Using cached SIF image on host 'node'", again.Log);
            runId = result.Plan.RunId;
        }

        // remove=true (the default) leaves nothing of the run on the node.
        var (_, left) = node.Ssh($"test -e \"/tmp/$USER/dagon work/dagon-{runId}\" && echo left || echo gone");
        Assert.Equal("gone", left.Trim());
    }

    [Fact]
    public async Task Mixed_workflow_moves_files_local_to_remote_remote_to_local_and_remote_to_remote()
    {
        var workflow = Workflow.Create("Mixed")
            .Task("A", t => t.Command("mkdir -p output empty && hostname > output/f1.txt && echo from-local >> output/f1.txt").Image(LocalImage))
            .Task("B", t => t.Command("test -d workflow:///A/empty && mkdir -p nothing && cat workflow:///A/output/f1.txt > f2.txt && hostname >> f2.txt")
                .Image(node.NodeDefinition).OnHost("node"))
            .Task("D", t => t.Command("test -d workflow:///B/nothing && cat workflow:///B/f2.txt > f3.txt && cat f3.txt").Image(LocalImage))
            .Task("E", t => t.Command("cat workflow:///B/f2.txt && echo on-node2").Image(node.NodeDefinition).OnHost("node2"));

        await using var harness = new Harness(TwoProfiles(), output);
        var result = await harness.RunAsync(workflow);
        Assert.True(result.Succeeded, Describe(result, harness));
        var local = System.Net.Dns.GetHostName();
        Assert.Equal([local, "from-local", node.HostName], harness.StdoutOf("D"));
        Assert.Equal([local, "from-local", node.HostName, "on-node2"], harness.StdoutOf("E"));
        Assert.Contains("this machine -> host 'node'", harness.Log);
        Assert.Contains("host 'node' -> this machine", harness.Log);
        Assert.Contains("host 'node' -> host 'node2'", harness.Log);
        Assert.Contains("sha256 checksums verified", harness.Log);
    }

    [Fact]
    public async Task Batch_tasks_run_on_the_node_and_exchange_files_with_container_and_local_tasks()
    {
        var workflow = Workflow.Create("RemoteBatch")
            .BatchTask("Local", "echo from-here > in.txt")
            .BatchTask("Count", "cat workflow:///Local/in.txt > seen.txt && hostname >> seen.txt && printf '%s\\n' \"$GREETING\" >> seen.txt",
                t => t.OnHost("node").Env("GREETING", "it's $HOME; ok"))
            .Task("Shout", t => t.Command("tr a-z A-Z < workflow:///Count/seen.txt > loud.txt").Image(node.NodeDefinition).OnHost("node").WritableTmpfs())
            .BatchTask("Back", "cat workflow:///Shout/loud.txt workflow:///Count/seen.txt");

        await using var harness = new Harness(node.Config(), output);
        var result = await harness.RunAsync(workflow);

        Assert.True(result.Succeeded, Describe(result, harness));
        Assert.Equal(["FROM-HERE", node.HostName.ToUpperInvariant(), "IT'S $HOME; OK", "from-here", node.HostName, "it's $HOME; ok"],
            harness.StdoutOf("Back"));
        Assert.Contains("Executing on host node: cat workflow:///Local/in.txt", harness.Log);
    }

    [Fact]
    public async Task Failing_batch_task_on_the_node_fails_the_run_and_skips_its_dependents()
    {
        var workflow = Workflow.Create("RemoteBatchFail")
            .BatchTask("Bad", "echo 'no luck' >&2; exit 4", t => t.OnHost("node"))
            .BatchTask("After", "cat workflow:///Bad/x", t => t.OnHost("node"))
            .BatchTask("Independent", "echo fine");

        await using var harness = new Harness(node.Config(), output);
        var result = await harness.RunAsync(workflow);

        Assert.Equal(4, result["Bad"].Outcome.ExitCode);
        Assert.Equal("command exited with code 4 on host 'node'", result["Bad"].Outcome.Reason);
        Assert.Contains("no luck", result["Bad"].Outcome.ErrorTail!);
        Assert.Equal(TaskState.Skipped, result["After"].Outcome.State);
        Assert.Equal(TaskState.Succeeded, result["Independent"].Outcome.State);
    }

    [Fact]
    public async Task Many_tasks_on_one_host_share_at_most_two_ssh_connections()
    {
        const int n = 12;
        var workflow = Workflow.Create("Fan").DefaultImage(node.NodeDefinition);
        workflow.Task("Seed", t => t.Command("echo seed > s.txt").OnHost("node").WritableTmpfs());
        for (var i = 0; i < n; i++)
        {
            var index = i;
            workflow.Task($"T{i}", t => t.Command($"cat workflow:///Seed/s.txt > o.txt && echo {index} >> o.txt").OnHost("node").WritableTmpfs());
        }

        if (node.LocalImage is not null)
        {
            // Files crossing to this machine open the SFTP connection too: still at most two.
            workflow.Task("Here", t => t.Command("cat workflow:///T0/o.txt workflow:///T1/o.txt").Image(LocalImage));
            // One local file fanned out to several tasks on the host is uploaded once.
            workflow.Task("Src", t => t.Command("echo shared-input > in.txt").Image(LocalImage).NoOverlay());
            for (var i = 0; i < 4; i++)
            {
                workflow.Task($"F{i}", t => t.Command("cat workflow:///Src/in.txt").OnHost("node").WritableTmpfs());
            }
        }

        var before = node.AcceptedConnections();
        var settings = node.Config();
        settings["dagon:max_parallelism"] = "12";
        await using (var harness = new Harness(settings, output))
        {
            var result = await harness.RunAsync(workflow);
            Assert.True(result.Succeeded, Describe(result, harness));
            Assert.InRange(harness.Pool.ConnectionsOpened, 1, 2);
            if (node.LocalImage is not null)
            {
                for (var i = 0; i < 4; i++) Assert.Equal(["shared-input"], harness.StdoutOf($"F{i}"));
                Assert.Single(harness.Lines, l => l.Contains("file(s) of Src copied", StringComparison.Ordinal));
                Assert.Equal(3, harness.Lines.Count(l => l.Contains("Files of Src for", StringComparison.Ordinal) && l.Contains("already on host 'node'", StringComparison.Ordinal)));
            }
        }

        await Task.Delay(300); // sshd writes its log line asynchronously
        var accepted = node.AcceptedConnections() - before;
        output.WriteLine($"{n + 1} remote tasks: sshd accepted {accepted} connection(s)");
        Assert.InRange(accepted, 1, 2);
    }

    [Fact]
    public async Task DagOnStar_style_ip_user_port_on_a_task_and_a_host_for_a_whole_workflow()
    {
        var settings = node.Config();
        settings["ssh:ssh_key"] = node.KeyPath;
        settings["ssh:known_hosts"] = node.KnownHostsPath;
        settings["ssh:tmp_dir"] = "/tmp/$USER/adhoc";
        var workflow = Workflow.Create("Seed-Style").DefaultImage(node.NodeDefinition)
            .Task("P", t => t.Command("hostname > h.txt").NoOverlay())
            .Task("Q", t => t.Command("cat workflow:///P/h.txt").NoOverlay())
            .OnHost("node");
        workflow.Task("S", t => t.Command("hostname").NoOverlay().OnSsh(node.Address, node.User, RemoteNode.Port));
        await using var harness = new Harness(settings, output);
        var result = await harness.RunAsync(workflow);
        Assert.True(result.Succeeded, Describe(result, harness));
        Assert.Equal([node.HostName], harness.StdoutOf("Q"));
        Assert.Equal([node.HostName], harness.StdoutOf("S"));
        // The ad-hoc address and the profile are one account on one host: one shared SSH connection, and one shared SFTP
        // connection that brings every task's logs back into the run's folder (two of each if they were not shared).
        Assert.Equal(2, harness.Pool.ConnectionsOpened);
    }

    [Fact]
    public async Task A_login_node_prologue_and_a_site_specific_apptainer_command_are_used_and_remove_false_keeps_the_work_dir()
    {
        // A site where the container runtime is only on PATH after "module load": a module folder outside PATH.
        var (code, text) = node.Ssh("mkdir -p ~/modules/apptainer/bin && ln -sf /usr/bin/singularity ~/modules/apptainer/bin/singularity-site");
        Assert.True(code == 0, text);
        var workflow = Workflow.Create("Module").DefaultImage(node.NodeDefinition)
            .Task("M", t => t.Command("echo via-module > m.txt && cat m.txt").OnHost("node").NoOverlay().Remove(false));

        var without = node.Config();
        without["host:node:apptainer"] = "singularity-site";
        await using (var harness = new Harness(without, output))
        {
            var result = await harness.RunAsync(workflow);
            Assert.False(result.Succeeded);
            Assert.Contains("'singularity-site' was not found on host 'node'", result.SetupError);
            Assert.Contains("prologue", result.SetupError);
        }

        var with = node.Config();
        with["host:node:apptainer"] = "singularity-site";
        with["host:node:prologue"] = "PATH=\"$HOME/modules/apptainer/bin:$PATH\"; export PATH";
        await using (var harness = new Harness(with, output))
        {
            var result = await harness.RunAsync(workflow);
            Assert.True(result.Succeeded, Describe(result, harness));
            Assert.Equal(["via-module"], harness.StdoutOf("M"));
            var root = result["M"].Workspace!.Root;
            Assert.StartsWith("/tmp/hpcuser/dagon work/", root);
            Assert.Contains("Keeping remote working directory on node", harness.Log);
            var (_, kept) = node.Ssh($"cat {ShellQuote.Quote(root + "/work/m.txt")} {ShellQuote.Quote(root + "/stdout.log")} && rm -rf {ShellQuote.Quote(root[..root.LastIndexOf('/')])}");
            Assert.Equal("via-module\nvia-module", kept.Trim()); // the output file, then the task's kept stdout.log
        }
    }

    [Fact]
    public async Task Remote_exit_code_fails_the_run_and_skips_dependents()
    {
        var workflow = Workflow.Create("Exit3").DefaultImage(node.NodeDefinition)
            .Task("B", t => t.Command("echo about to fail >&2; exit 3").OnHost("node").NoOverlay())
            .Task("C", t => t.Command("echo never").OnHost("node").DependsOn("B").NoOverlay());
        await using var harness = new Harness(node.Config(), output);
        var result = await harness.RunAsync(workflow);
        Assert.False(result.Succeeded);
        Assert.Equal(TaskState.Failed, result["B"].Outcome.State);
        Assert.Equal(3, result["B"].Outcome.ExitCode);
        Assert.Contains("exited with code 3 on host 'node'", result["B"].Outcome.Reason);
        Assert.Contains("about to fail", result["B"].Outcome.ErrorTail ?? []);
        Assert.Equal(TaskState.Skipped, result["C"].Outcome.State);
    }

    [Fact]
    public async Task Paths_and_values_with_spaces_and_shell_metacharacters_survive_the_trip()
    {
        // Task names with shell characters are refused before anything runs (the name rules); paths and values are not.
        const string oddTask = "we.ird-name_x";
        const string oddValue = "x'y $HOME; `id` & \"q\" | w\nline2";
        const string oddFile = "we $ird; 'na' \"me\".txt";
        var workflow = Workflow.Create("Odd").DefaultImage(node.NodeDefinition)
            .Task(oddTask, t => t.Command(
                    "mkdir -p \"sub dir \\$x; 'q'\" && printf '%s\\n' 'a;b $c' > \"sub dir \\$x; 'q'/f i le.txt\" && " +
                    "cat \"sub dir \\$x; 'q'/f i le.txt\" && echo \"$((6*7))\" && printf '%s\\n' \"$ODD\"")
                .Env("ODD", oddValue).OnHost("node"))
            .Task("Prod", t => t.Command($"mkdir -p out && echo content > out/{RemoteShellQuoteForTest(oddFile)}").OnHost("node"))
            .Task("Cons", t => t.Command("d=workflow:///Prod/out; cat \"$d\"/*")
                .Image(node.LocalImage ?? node.NodeDefinition).OnHostIf(node.LocalImage is null, "node2"));

        await using var harness = new Harness(TwoProfiles(), output);
        var result = await harness.RunAsync(workflow);
        Assert.True(result.Succeeded, Describe(result, harness));
        Assert.Equal(["a;b $c", "42", "x'y $HOME; `id` & \"q\" | w", "line2"], harness.StdoutOf(oddTask));
        Assert.Equal(["content"], harness.StdoutOf("Cons"));
    }

    private static string RemoteShellQuoteForTest(string s) => ShellQuote.Quote(s);

    [Fact]
    public async Task A_local_sif_is_uploaded_once_with_its_checksum_checked()
    {
        var image = LocalImage;
        var workflow = Workflow.Create("Upload").Task("U", t => t.Command("echo uploaded-image-ok").Image(image).OnHost("node").NoOverlay());
        // A fresh cache folder per test run, so the first run really uploads.
        var settings = node.Config();
        settings["host:node:image_cache_dir"] = $"~/.cache/dagon/upload-test-{Guid.NewGuid():N}";
        await using (var harness = new Harness(settings, output))
        {
            var result = await harness.RunAsync(workflow);
            Assert.True(result.Succeeded, Describe(result, harness));
            Assert.Equal(1, harness.RemoteImages.UploadCount);
            Assert.Contains("verified", harness.Log);
            Assert.Equal(["uploaded-image-ok"], harness.StdoutOf("U"));
        }

        await using (var again = new Harness(settings, output))
        {
            var result = await again.RunAsync(workflow);
            Assert.True(result.Succeeded, Describe(result, again));
            Assert.Equal(0, again.RemoteImages.UploadCount);
            Assert.Contains("Using cached SIF image on host 'node'", again.Log);
        }
    }

    [Fact]
    public async Task With_image_build_local_a_definition_is_built_here_and_uploaded_for_a_host_that_cannot_build()
    {
        var definition = Path.Combine(node.Scratch, $"built-here-{Guid.NewGuid():N}.def");
        await File.WriteAllTextAsync(definition, $"Bootstrap: localimage\nFrom: {LocalImage}\n\n%post\n    echo built-on-the-engine-machine > /etc/origin\n");
        var settings = node.Config();
        settings["host:node:image_build"] = "local";
        settings["host:node:image_cache_dir"] = $"~/.cache/dagon/local-build-{Guid.NewGuid():N}";
        var workflow = Workflow.Create("LocalBuild").Task("L", t => t.Command("cat /etc/origin").Image(definition).OnHost("node").NoOverlay());
        await using var harness = new Harness(settings, output);
        var result = await harness.RunAsync(workflow);
        Assert.True(result.Succeeded, Describe(result, harness));
        Assert.Equal(["built-on-the-engine-machine"], harness.StdoutOf("L"));
        Assert.Equal(1, harness.RemoteImages.UploadCount);
        Assert.Contains("(image_build = local)", harness.Log);
    }

    [Fact]
    public async Task A_local_reference_the_producer_did_not_make_fails_naming_task_and_path()
    {
        var workflow = Workflow.Create("Missing").DefaultImage(node.NodeDefinition)
            .Task("A", t => t.Command("echo hi > a.txt").OnHost("node").NoOverlay())
            .Task("B", t => t.Command("cat workflow:///A/missing.txt").OnHost("node2").NoOverlay());
        await using var harness = new Harness(TwoProfiles(), output);
        var result = await harness.RunAsync(workflow);
        Assert.Equal(TaskState.Failed, result["B"].Outcome.State);
        Assert.Contains("task 'A' did not produce 'missing.txt'", result["B"].Outcome.Reason);
        Assert.Contains("host 'node'", result["B"].Outcome.Reason);
    }

    [Fact]
    public async Task Cancelling_kills_the_remote_process_group_and_a_timeout_does_too()
    {
        var workflow = Workflow.Create("Cancel").DefaultImage(node.NodeDefinition)
            .Task("Long", t => t.Command("sleep 317").OnHost("node").NoOverlay())
            .Task("Timed", t => t.Command("sleep 318").OnHost("node").NoOverlay().Timeout(TimeSpan.FromSeconds(3)));
        await using var harness = new Harness(node.Config(), output);
        using var cancel = new CancellationTokenSource();
        var run = harness.RunAsync(workflow, cancel.Token);
        await WaitForAsync(() => CountOnNode("sleep 317") == 1, TimeSpan.FromSeconds(30));
        // Timed's own limit fires first and kills its group; then the run is cancelled and Long's group is killed.
        await WaitForAsync(() => harness.Log.Contains("[Timed] Task failed", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        Assert.Equal(0, CountOnNode("sleep 318"));
        Assert.Equal(1, CountOnNode("sleep 317"));
        cancel.Cancel();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(TaskState.Cancelled, result["Long"].Outcome.State);
        Assert.Equal(TaskState.Failed, result["Timed"].Outcome.State);
        Assert.Contains("timed out", result["Timed"].Outcome.Reason);
        await WaitForAsync(() => CountOnNode("sleep 317") == 0 && CountOnNode("sleep 318") == 0, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Cancelling_works_even_when_every_session_of_the_connection_runs_a_task()
    {
        var settings = node.Config();
        settings["host:node:max_sessions"] = "2";
        settings["dagon:max_parallelism"] = "4";
        var workflow = Workflow.Create("Full").DefaultImage(node.NodeDefinition)
            .Task("X", t => t.Command("sleep 319").OnHost("node").NoOverlay())
            .Task("Y", t => t.Command("sleep 319").OnHost("node").NoOverlay());
        await using var harness = new Harness(settings, output);
        using var cancel = new CancellationTokenSource();
        var run = harness.RunAsync(workflow, cancel.Token);
        await WaitForAsync(() => CountOnNode("sleep 319") == 2, TimeSpan.FromSeconds(30));
        cancel.Cancel();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(result.Tasks, t => Assert.Equal(TaskState.Cancelled, t.Outcome.State));
        await WaitForAsync(() => CountOnNode("sleep 319") == 0, TimeSpan.FromSeconds(10));
    }

    private int CountOnNode(string commandLine)
    {
        var (_, text) = node.Ssh($"ps -eo args | grep -c -x {ShellQuote.Quote(commandLine)} || true");
        return int.TryParse(text.Trim(), out var count) ? count : -1;
    }

    internal static async Task WaitForAsync(Func<bool> condition, TimeSpan limit)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed > limit) throw new TimeoutException($"condition not met within {limit.TotalSeconds} s");
            await Task.Delay(200);
        }
    }
}

internal static class TaskBuilderTestExtensions
{
    public static TaskBuilder OnHostIf(this TaskBuilder builder, bool condition, string host) => condition ? builder.OnHost(host) : builder;
}
