using System.Diagnostics;
using Dagon.Dsl.Tests.Running;
using Dagon.Execution;
using Dagon.Reporting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Dagon.Dsl.Tests.Reporting;

// The ActivitySource and Meter are process-wide: tests that listen to them must not run beside each other.
[Collection(nameof(RunTelemetryTests))]
public sealed class RunTelemetryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-telemetry-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task RunTaskAndPhaseSpansNestWithTheirAttributes()
    {
        var spans = new List<Activity>();
        using (var traces = Sdk.CreateTracerProviderBuilder().AddSource(RunTelemetry.Name).AddInMemoryExporter(spans).Build())
        {
            var executor = new FakeExecutor(_root);
            FakeRuns.FailB(executor);
            await FakeRuns.Runner(executor, new DagonOptions(), new RunTelemetry()).RunAsync(FakeRuns.Dataflow().Build());
            traces.ForceFlush();
        }

        var run = Assert.Single(spans, s => s.OperationName == "dagon.run");
        Assert.Null(run.ParentId);
        Assert.Equal(ActivityStatusCode.Error, run.Status);
        var tasks = spans.Where(s => s.OperationName == "dagon.task").ToList();
        Assert.Equal(["A", "B", "C"], tasks.Select(t => (string)t.GetTagItem("dagon.task.name")!).Order());
        Assert.All(tasks, t => Assert.Equal(run.SpanId, t.ParentSpanId));
        Assert.All(tasks, t => Assert.Equal(run.TraceId, t.TraceId));
        var b = tasks.Single(t => (string)t.GetTagItem("dagon.task.name")! == "B");
        Assert.Equal(("failed", 3, "localhost"), ((string)b.GetTagItem("dagon.task.state")!, (int)b.GetTagItem("dagon.task.exit_code")!,
            (string)b.GetTagItem("dagon.host")!));
        Assert.Equal(ActivityStatusCode.Error, b.Status);
        var execution = Assert.Single(spans, s => s.OperationName == "dagon.task.execution" && s.ParentSpanId == b.SpanId);
        Assert.Equal(TimeSpan.FromMilliseconds(2), execution.Duration);
        Assert.True(execution.StartTimeUtc + execution.Duration <= b.StartTimeUtc + b.Duration + TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task TaskCountsByStateAndDurationsAreMeasured()
    {
        var metrics = new List<Metric>();
        using (var meters = Sdk.CreateMeterProviderBuilder().AddMeter(RunTelemetry.Name).AddInMemoryExporter(metrics).Build())
        {
            var executor = new FakeExecutor(_root);
            FakeRuns.FailB(executor);
            await FakeRuns.Runner(executor, new DagonOptions(), new RunTelemetry()).RunAsync(FakeRuns.Dataflow().Build());
            meters.ForceFlush();
        }

        var counts = new Dictionary<string, long>();
        foreach (ref readonly var point in metrics.Last(m => m.Name == "dagon.tasks").GetMetricPoints())
        {
            foreach (var tag in point.Tags) counts[(string)tag.Value!] = point.GetSumLong();
        }

        Assert.Equal(new Dictionary<string, long> { ["succeeded"] = 2, ["failed"] = 1, ["skipped"] = 1 }, counts);
        long measured = 0;
        foreach (ref readonly var point in metrics.Last(m => m.Name == "dagon.task.duration").GetMetricPoints()) measured += point.GetHistogramCount();
        Assert.Equal(3, measured);
    }
}
