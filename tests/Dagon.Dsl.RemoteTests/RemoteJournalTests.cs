using Dagon.Model;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

/// <summary>Outputs, logs, publish and --resume for tasks on the real SSH node: everything crosses the connection.</summary>
[Collection(RemoteNodeCollection.Name)]
public sealed class RemoteJournalTests(RemoteNode node, ITestOutputHelper output)
{
    [Fact]
    public async Task Remote_logs_and_published_outputs_reach_this_machine_and_resume_reuses_the_remote_result()
    {
        var local = Directory.CreateTempSubdirectory("dagon-remote-journal-").FullName;
        var state = Path.Combine(local, "state");
        var published = Path.Combine(local, "published");
        WorkflowBuilder Flow() => Workflow.Create("remote-journal").Remove(false)
            .BatchTask("A", "echo made-on-$(hostname); hostname > f1.txt", t => t.OnHost("node").Outputs("f1.txt").Publish(published))
            .BatchTask("B", "cat workflow:///A/f1.txt; echo missing-output >&2", t => t.OnHost("node").Outputs("never.txt"));
        var settings = node.Config();
        settings["dagon:state_dir"] = state;

        await using (var harness = new Harness(settings, output))
        {
            var result = await harness.RunAsync(Flow());
            Assert.Equal(TaskState.Succeeded, result["A"].Outcome.State);
            Assert.Equal(TaskState.Failed, result["B"].Outcome.State);
            Assert.Contains("declared output missing after a successful exit: never.txt", result["B"].Outcome.Reason);
        }

        Assert.Equal(node.HostName + "\n", File.ReadAllText(Path.Combine(published, "f1.txt")));
        var logs = Directory.GetDirectories(Path.Combine(state, "runs")).Single();
        Assert.Equal($"made-on-{node.HostName}\n", File.ReadAllText(Path.Combine(logs, "logs", "A.out")));
        Assert.Equal("missing-output\n", File.ReadAllText(Path.Combine(logs, "logs", "B.err")));

        settings["dagon:resume"] = "true";
        await using (var resumed = new Harness(settings, output))
        {
            var result = await resumed.RunAsync(Flow());
            Assert.NotNull(result["A"].Timings.ReusedFrom);
            Assert.Null(result["B"].Timings.ReusedFrom);
            Assert.Contains("[A] Reused from run", resumed.Log);
        }
    }
}
