using Dagon.Dsl.Testing;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;

namespace Dagon.Dsl.Tests.Reporting;

public sealed class PlanDrawingTests
{
    /// <summary>DagOnStar's dataflow diamond plus a batch task after D.</summary>
    private static ExecutionPlan Plan() => ExecutionPlan.Create([Workflow.Create("DataFlow").DefaultImage("docker://busybox")
        .Task("A", "hostname > f1.txt")
        .Task("B", "cat workflow:///A/f1.txt > f2.txt")
        .Task("C", "cat workflow:///A/f1.txt > f2.txt")
        .Task("D", "cat workflow:///B/f2.txt workflow:///C/f2.txt")
        .BatchTask("Publish", "cp workflow:///D/f2.txt /tmp/")
        .Build()], runId: "fixed");

    private static bool[] SkippingPublish(ExecutionPlan plan) => PlanSelection.Resolve(plan, new TaskSelection { Skip = ["Publish"] });

    [Theory]
    [InlineData(PlanFormat.Text, "txt")]
    [InlineData(PlanFormat.Mermaid, "mmd")]
    [InlineData(PlanFormat.Dot, "dot")]
    public void PlanIsDrawnWithSkippedTasksMarked(PlanFormat format, string extension)
    {
        var plan = Plan();

        Snapshot.Match(PlanDrawing.Draw(plan, SkippingPublish(plan), format), $"Plan.{format}", extension);
    }

    [Fact]
    public void MermaidFlowchartHasOneNodePerTaskAndOneEdgePerDependency()
    {
        var plan = Plan();
        var lines = PlanDrawing.Mermaid(plan, SkippingPublish(plan)).TrimEnd().Split('\n');

        Assert.Equal("flowchart TD", lines[0]);
        var nodes = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^    t\d+\[""[^""]+""\](:::skipped)?$")).ToList();
        var edges = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^    t\d+ --> t\d+$")).ToList();
        Assert.Equal(plan.Tasks.Count, nodes.Count);
        Assert.Equal(plan.Tasks.Sum(t => t.Dependencies.Count), edges.Count);
        Assert.Single(nodes, n => n.EndsWith(":::skipped", StringComparison.Ordinal));
        Assert.Equal(lines.Length, 1 + nodes.Count + edges.Count + 1);
    }

    [Fact]
    public async Task MermaidItselfParsesTheFlowchart()
    {
        var plan = Plan();

        var (exitCode, output) = await MermaidParser.ParseAsync(PlanDrawing.Mermaid(plan, SkippingPublish(plan)));

        Assert.True(exitCode == 0, output);
        Assert.Contains("\"diagramType\":\"flowchart", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MermaidParserRejectsABrokenFlowchartSoTheCheckAboveCanFail()
    {
        var (exitCode, output) = await MermaidParser.ParseAsync("flowchart TD\n    t0[\"A\" --> t1\n");

        Assert.Equal(1, exitCode);
        Assert.Contains("Parse error", output, StringComparison.Ordinal);
    }

    [Fact]
    public void LongChainDrawsAsATreeWithoutRecursion()
    {
        var builder = Workflow.Create("Chain").DefaultImage("docker://busybox").Task("t0", "echo");
        for (var i = 1; i < 5000; i++) builder.Task($"t{i}", t => t.Command("echo").DependsOn($"t{i - 1}"));
        var plan = ExecutionPlan.Create([builder.Build()]);

        var text = PlanDrawing.Draw(plan, Enumerable.Repeat(true, plan.Tasks.Count).ToArray(), PlanFormat.Text);

        Assert.Equal(5001, text.TrimEnd().Split('\n').Length);
    }
}
