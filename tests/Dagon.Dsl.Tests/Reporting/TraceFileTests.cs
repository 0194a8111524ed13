using System.Globalization;
using Dagon.Dsl.Tests.Running;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Running;

namespace Dagon.Dsl.Tests.Reporting;

public sealed class TraceFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-trace-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<Dictionary<string, Dictionary<string, string>>> TraceOfFailingDemo()
    {
        var executor = new FakeExecutor(_root);
        FakeRuns.FailB(executor);
        var path = Path.Combine(_root, "trace.tsv");
        await FakeRuns.Runner(executor, new DagonOptions { TracePath = path }, new TraceFile(path)).RunAsync(FakeRuns.Dataflow().Build());

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(string.Join('\t', TraceFile.Columns), lines[0]);
        return lines.Skip(1).Select(l => l.Split('\t'))
            .ToDictionary(cells => cells[0], cells => TraceFile.Columns.Zip(cells).ToDictionary(p => p.First, p => p.Second));
    }

    [Fact]
    public async Task EveryTaskHasOneRowWithStatusExitHostAndOrderedUtcTimes()
    {
        var rows = await TraceOfFailingDemo();

        Assert.Equal(["A", "B", "C", "D"], rows.Keys.Order());
        Assert.Equal(("failed", "3", "localhost", "1"), (rows["B"]["status"], rows["B"]["exit"], rows["B"]["host"], rows["B"]["attempt"]));
        Assert.Equal(("succeeded", "0"), (rows["A"]["status"], rows["A"]["exit"]));
        Assert.Equal(("skipped", "", ""), (rows["D"]["status"], rows["D"]["exit"], rows["D"]["start"]));
        var a = rows["A"];
        var times = new[] { a["submit"], a["start"], a["end"] }
            .Select(t => DateTimeOffset.ParseExact(t, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)).ToList();
        Assert.Equal(times.Order(), times);
        Assert.InRange(DateTimeOffset.UtcNow - times[0], TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Assert.Equal("0.002", rows["B"]["execution_s"]);
        Assert.Equal("", a["peak_memory_bytes"]);
    }

    [Fact]
    public async Task HashIsStableAndFollowsTheDefinition()
    {
        var rows = await TraceOfFailingDemo();

        Assert.Matches("^[0-9a-f]{10}$", rows["A"]["hash"]);
        Assert.Equal(rows["B"]["hash"], rows["C"]["hash"]); // same command and image, different names
        Assert.NotEqual(rows["A"]["hash"], rows["B"]["hash"]);
        var task = new TaskDefinition { Name = "x", Command = "echo hi", Image = "docker://busybox" };
        Assert.Equal(TaskFingerprint.Of(task), TaskFingerprint.Of(task with { Name = "y" }));
        Assert.NotEqual(TaskFingerprint.Of(task), TaskFingerprint.Of(task with { Image = "docker://alpine" }));
        Assert.NotEqual(TaskFingerprint.Of(task), TaskFingerprint.Of(task with { Environment = new Dictionary<string, string> { ["A"] = "1" } }));
        Assert.NotEqual(TaskFingerprint.Of(task), TaskFingerprint.Of(task with { BindPaths = [new BindPath("/data", "/data", true)] }));
    }

    [Fact]
    public async Task AnUnwritableTraceFailsBeforeAnyTaskRuns()
    {
        var executor = new FakeExecutor(_root);
        var path = Path.Combine(_root, "no-such-folder", "trace.tsv");

        var error = await Assert.ThrowsAsync<InvalidRunSettingException>(() =>
            FakeRuns.Runner(executor, new DagonOptions { TracePath = path }, new TraceFile(path)).RunAsync(FakeRuns.Dataflow().Build()));

        Assert.Contains("--trace", error.Message);
        Assert.Empty(executor.Ran);
    }
}
