using System.Diagnostics;
using System.Globalization;
using Dagon.Processes;
using Dagon.Model;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

[Collection(RemoteNodeCollection.Name)]
public sealed class SampleAndOverheadTests(RemoteNode node, ITestOutputHelper output)
{
    [Fact]
    public void DataflowDemo_Remote_sample_runs_against_the_node_with_its_dagon_ini()
    {
        var directory = Path.Combine(node.Scratch, "sample");
        Directory.CreateDirectory(directory);
        var ini = Path.Combine(directory, "dagon.ini");
        File.WriteAllText(ini, $"""
            [ssh]
            remote_ip = {node.Address}
            ssh_user = {node.User}
            ssh_port = {RemoteNode.Port}
            ssh_key = {node.KeyPath}
            known_hosts = {node.KnownHostsPath}
            tmp_dir = /tmp/$USER/sample

            [dagon]
            tmp_dir = {Path.Combine(directory, "local")}
            """);
        var dll = Path.Combine(AppContext.BaseDirectory, "DataflowDemo.Remote.dll");
        // From the folder that holds dagon.ini, as a user would run it: no --config needed.
        var (code, text) = RemoteNode.Run("dotnet", [dll], check: false, workingDirectory: directory);
        output.WriteLine(text);
        Assert.True(code == 0, text);
        Assert.Equal(2, text.Split('\n').Count(l => l.TrimEnd().EndsWith("[D] " + node.HostName, StringComparison.Ordinal)));

        // And from anywhere with --config.
        var (code2, text2) = RemoteNode.Run("dotnet", [dll, "--config", ini], check: false, workingDirectory: node.Scratch);
        Assert.True(code2 == 0, text2);
    }

    /// <summary>
    /// Per-task overhead of a remote task against a bare <c>ssh node apptainer exec IMAGE true</c> with OpenSSH's client
    /// (a new connection each time, as a script would do). The numbers are printed; the bound only catches regressions.
    /// </summary>
    [Fact]
    public async Task Remote_task_overhead_against_bare_ssh_apptainer_exec()
    {
        const int n = 8;
        var image = (await PrepareImageAsync()).Trim();

        var bare = new List<double>();
        for (var i = 0; i < n; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var (code, text) = node.Ssh($"apptainer -s exec {ShellQuote.Quote(image)} /bin/sh -c true");
            Assert.True(code == 0, text);
            bare.Add(stopwatch.Elapsed.TotalSeconds);
        }

        // The fairest baseline: OpenSSH multiplexing over one master connection, as the engine reuses one connection.
        var control = Path.Combine(node.Scratch, "cm-%C");
        string[] mux = ["-o", "ControlMaster=auto", "-o", $"ControlPath={control}", "-o", "ControlPersist=60"];
        var multiplexed = new List<double>();
        for (var i = 0; i <= n; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var (code, text) = node.Ssh($"apptainer -s exec {ShellQuote.Quote(image)} /bin/sh -c true", mux);
            Assert.True(code == 0, text);
            if (i > 0) multiplexed.Add(stopwatch.Elapsed.TotalSeconds); // the first one opens the master
        }

        node.Ssh("true", [.. mux, "-O", "exit"]);

        var chain = Workflow.Create("Overhead").DefaultImage(node.NodeDefinition);
        for (var i = 0; i < n; i++)
        {
            var index = i;
            chain.Task($"T{i}", t =>
            {
                t.Command("true").OnHost("node").NoOverlay();
                if (index > 0) t.DependsOn($"T{index - 1}");
            });
        }

        await using var harness = new Harness(node.Config());
        var wall = Stopwatch.StartNew();
        var result = await harness.RunAsync(chain);
        wall.Stop();
        Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, harness));
        var perTask = result.Tasks.Select(t => t.Timings.Total.TotalSeconds - t.Timings.ImagePreparation.TotalSeconds).ToList();
        var exec = result.Tasks.Select(t => t.Timings.Execution.TotalSeconds).ToList();

        var bareMedian = Median(bare);
        var taskMedian = Median(perTask);
        var ratio = taskMedian / bareMedian;
        var report = string.Create(CultureInfo.InvariantCulture,
            $"remote task overhead ({n} sequential tasks `true`, no overlay): engine per task median {taskMedian * 1000:F0} ms " +
            $"(exec channel {Median(exec) * 1000:F0} ms), bare `ssh node apptainer exec IMG true` median {bareMedian * 1000:F0} ms, " +
            $"ratio {ratio:F2}; bare over an open multiplexed OpenSSH connection median {Median(multiplexed) * 1000:F0} ms, " +
            $"ratio {taskMedian / Median(multiplexed):F2}; whole run {wall.Elapsed.TotalSeconds:F2} s incl. connect and prepare");
        output.WriteLine(report);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "remote-overhead.txt"), report + Environment.NewLine);
        Assert.InRange(ratio, 0.1, 3.0);
    }

    /// <summary>The node's cached busybox image, built by a one-task run if this test runs first.</summary>
    private async Task<string> PrepareImageAsync()
    {
        await using var harness = new Harness(node.Config());
        var result = await harness.RunAsync(Workflow.Create("Warm").DefaultImage(node.NodeDefinition)
            .Task("W", t => t.Command("true").OnHost("node").NoOverlay()));
        Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, harness));
        var (_, path) = node.Ssh("ls ~/.cache/dagon/images/busybox-host-*.sif | head -n 1");
        return path;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
