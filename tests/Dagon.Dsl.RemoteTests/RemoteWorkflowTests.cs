using Dagon.Model;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

[Collection(RemoteNodeCollection.Name)]
public sealed class RemoteWorkflowTests(RemoteNode node, ITestOutputHelper output)
{
    private static string Describe(Hosting.RunResult result, Harness harness) =>
        string.Join('\n', result.Tasks.Select(t => $"{t.Task.DisplayName}: {t.Outcome}")) + $"\nsetup: {result.SetupError}\n--- log ---\n{harness.Log}";

    [Fact]
    public async Task Seed_remote_demo_runs_every_task_on_the_node_and_reuses_the_host_image()
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
        await using (var again = new Harness(node.Config(), output))
        {
            var result = await again.RunAsync(Demo());
            Assert.True(result.Succeeded, Describe(result, again));
            Assert.Equal(0, again.RemoteImages.BuildCount);
            Assert.Contains("Using cached SIF image on host node", again.Log);
        }

        // remove=true (the default) leaves nothing of the run on the node.
        var (_, left) = node.Ssh("ls -A \"/tmp/$USER/dagon work\" 2>/dev/null | wc -l");
        Assert.Equal("0", left.Trim());
    }
}
