using Dagon.Dsl.Tests.Running;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;

namespace Dagon.Dsl.Tests.Reporting;

/// <summary>The report's text as written; how a browser renders it is tested in the integration tests (real Chromium).</summary>
public sealed class HtmlReportTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-report-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task MarkupInAFailureCannotEndTheScriptOrInjectElements()
    {
        var executor = new FakeExecutor(_root);
        FakeRuns.FailB(executor);
        executor.Behaviours["B"] = (_, _, _) => Task.FromResult(TaskOutcome.Failed("</script><img src=x onerror=alert(1)>", 1, ["<b>&amp;</b>"]));
        var path = Path.Combine(_root, "run.html");

        await FakeRuns.Runner(executor, new DagonOptions { ReportPath = path }, new HtmlReport(path)).RunAsync(FakeRuns.Dataflow().Build());

        var html = await File.ReadAllTextAsync(path);
        Assert.Equal(2, html.Split("</script>").Length - 1); // the data's and the code's, nothing else
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<b>", html);
        Assert.Contains("\\u003C/script\\u003E", html);
    }

    [Fact]
    public async Task ALargeRunSaysTheGraphIsTooLargeToDrawButListsEveryTask()
    {
        var workflow = Workflow.Create("Wide");
        for (var i = 0; i < DagPicture.MaxTasks + 1; i++) workflow.BatchTask($"t{i:D4}", "true");
        var path = Path.Combine(_root, "run.html");

        await FakeRuns.Runner(new FakeExecutor(_root), new DagonOptions { ReportPath = path }, new HtmlReport(path)).RunAsync(workflow.Build());

        var html = await File.ReadAllTextAsync(path);
        Assert.Contains($"{DagPicture.MaxTasks + 1} tasks: too many to draw", html);
        Assert.DoesNotContain("<svg id=\"dag\"", html);
        Assert.Equal(DagPicture.MaxTasks + 1, html.Split("{\"name\":\"t").Length - 1);
    }

    [Fact]
    public void LayersAreTheLongestChainOfProducers()
    {
        var plan = ExecutionPlan.Create([FakeRuns.Dataflow().Task("E", "cat workflow:///A/output/f1.txt workflow:///D/f3.txt").Build()]);

        var layers = DagPicture.Layers(plan.Tasks);

        Assert.Equal([0, 1, 1, 2, 3], plan.Tasks.OrderBy(t => t.Name).Select(t => layers[t.Index]));
    }
}
