using System.Diagnostics;
using System.Globalization;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

/// <summary>
/// Tasks on the real SSH node that end normally but leave children behind in their process group: as on this
/// machine, what is left is stopped (TERM, then KILL) once the task's program ends, and the task's exit code and
/// output are what the program gave.
/// </summary>
[Collection(RemoteNodeCollection.Name)]
public sealed class RemoteLeftoverTests(RemoteNode node, ITestOutputHelper output)
{
    private static string Marker() => Random.Shared.Next(10_000, 99_999).ToString(CultureInfo.InvariantCulture);

    /// <summary>The node's processes whose command line holds <paramref name="marker"/> (the <c>ps</c> itself never does).</summary>
    private string[] ProcessesOnNode(string marker)
    {
        var (code, listing) = node.Ssh("ps -eo pid=,pgid=,args=");
        Assert.True(code == 0, "ps failed on the node: " + listing);
        return listing.Split('\n').Where(l => l.Contains(marker, StringComparison.Ordinal)).ToArray();
    }

    /// <summary>
    /// What is still listed a moment after the run: the last KILL is delivered when its process is next scheduled, a
    /// moment after the task's script has sent it and ended.
    /// </summary>
    private async Task<string[]> GoneFromNodeAsync(string marker)
    {
        for (var i = 0; i < 20 && ProcessesOnNode(marker).Length > 0; i++) await Task.Delay(100);
        return ProcessesOnNode(marker);
    }

    /// <summary>
    /// Children the command leaves: one holding the task's output open, one detached with <c>nohup</c>, and one that
    /// ignores TERM (so only the KILL after the grace period stops it).
    /// </summary>
    private static string Leaves(string marker) =>
        $"(sleep 7{marker}1 &); nohup sleep 7{marker}2 >/dev/null 2>&1 & " +
        $"sh -c \"trap '' TERM; exec sleep 7{marker}3\" >/dev/null 2>&1 & sleep 0.3; ";

    private async Task<(RunResult Result, Harness Harness)> RunAsync(WorkflowBuilder workflow)
    {
        var harness = new Harness(node.Config(), output);
        var stopwatch = Stopwatch.StartNew();
        var result = await harness.RunAsync(workflow).WaitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine($"run took {stopwatch.Elapsed.TotalSeconds:0.0} s");
        return (result, harness);
    }

    [Fact]
    public async Task A_batch_task_on_the_node_leaves_no_child_behind_and_keeps_its_exit_code_and_output()
    {
        var marker = Marker();
        var (result, harness) = await RunAsync(Workflow.Create("RemoteLeftoverBatch")
            .BatchTask("Ends", Leaves(marker) + "echo batch-out", t => t.OnHost("node"))
            .BatchTask("Fails", Leaves(marker) + "echo failing-out; echo why >&2; exit 3", t => t.OnHost("node")));
        await using var _ = harness;

        Assert.Equal(TaskState.Succeeded, result["Ends"].Outcome.State);
        Assert.Equal(["batch-out"], harness.StdoutOf("Ends"));
        Assert.Equal(3, result["Fails"].Outcome.ExitCode);
        Assert.Equal("command exited with code 3 on host 'node'", result["Fails"].Outcome.Reason);
        Assert.Equal(["failing-out"], harness.StdoutOf("Fails"));
        Assert.Contains("why", result["Fails"].Outcome.ErrorTail!);
        Assert.Empty(await GoneFromNodeAsync($"7{marker}"));
    }

    [Fact]
    public async Task A_container_task_on_the_node_leaves_no_child_behind_and_keeps_its_exit_code_and_output()
    {
        var marker = Marker();
        var (result, harness) = await RunAsync(Workflow.Create("RemoteLeftoverContainer")
            .DefaultImage(node.NodeDefinition)
            .Task("Box", t => t.Command(Leaves(marker) + "echo box-out").OnHost("node"))
            .Task("BoxFails", t => t.Command(Leaves(marker) + "echo box-failing; exit 5").OnHost("node")));
        await using var _ = harness;

        Assert.Equal(TaskState.Succeeded, result["Box"].Outcome.State);
        Assert.Equal(["box-out"], harness.StdoutOf("Box"));
        Assert.Equal(5, result["BoxFails"].Outcome.ExitCode);
        Assert.Equal(["box-failing"], harness.StdoutOf("BoxFails"));
        Assert.Empty(await GoneFromNodeAsync($"7{marker}"));
        // Apptainer's own helpers (its runtime parent, the FUSE mounters of the image and the overlay) ended with
        // `apptainer exec` itself, before the group was stopped: the rule had nothing of Apptainer's to take.
        foreach (var helper in new[] { "Apptainer runtime parent", "squashfuse", "fuse2fs", "fuse-overlayfs" }) Assert.Empty(ProcessesOnNode(helper));
    }
}
