using Dagon.Dsl.Tests.Running;
using Dagon.Execution;
using Dagon.Hosting;
using Dagon.Reporting;
using Dagon.Scheduling;
using Spectre.Console.Testing;

namespace Dagon.Dsl.Tests.Reporting;

public sealed class ProgressTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-progress-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void RichViewShowsCountsAndRunningTasksWithHostAndElapsedTime()
    {
        var now = DateTimeOffset.UtcNow;
        var snapshot = new ProgressSnapshot(10, 3, 1,
            [new RunningTask("align", "node7", now.AddSeconds(-75)), new RunningTask("sort", "localhost", now.AddMinutes(-62))], Finished: false);
        var console = new TestConsole().Width(100);

        console.Write(ProgressView.Render(snapshot, now));

        Assert.Contains("done 3  running 2  queued 4  failed 1  of 10", console.Output);
        Assert.Matches(@"align\s+node7\s+1:15", console.Output);
        Assert.Matches(@"sort\s+localhost\s+1:02:00", console.Output);
    }

    [Fact]
    public void ManyRunningTasksAreCutToTheFirstRows()
    {
        var now = DateTimeOffset.UtcNow;
        var running = Enumerable.Range(0, 40).Select(i => new RunningTask($"t{i:D2}", "localhost", now.AddSeconds(-i))).ToList();
        var console = new TestConsole().Width(100);

        console.Write(ProgressView.Render(new ProgressSnapshot(100, 0, 0, running, false), now));

        Assert.Contains("t11", console.Output);
        Assert.DoesNotContain("t12", console.Output);
        Assert.Contains($"… {40 - ProgressView.MaxRows} more", console.Output);
    }

    [Fact]
    public async Task LiveDisplayFollowsARealRunToItsLastFrame()
    {
        var console = new TestConsole().Width(100).Interactive();
        var live = new LiveProgress(console, TimeSpan.FromMilliseconds(20));
        var executor = new FakeExecutor(_root);
        var sawBRunning = false;
        executor.Behaviours["A"] = FakeRuns.Writes("output/f1.txt");
        executor.Behaviours["B"] = async (execution, _, token) =>
        {
            sawBRunning = live.Snapshot().Running.Any(r => r.Name == "B" && r.Host == "localhost");
            // Held until a frame showing it running is drawn, however slow the machine is (at most 10 s).
            for (var i = 0; i < 1000 && !System.Text.RegularExpressions.Regex.IsMatch(console.Output, "running [12]"); i++) await Task.Delay(10, token);
            return TaskOutcome.Failed("command exited with code 3", 3);
        };
        executor.Behaviours["C"] = FakeRuns.Writes("f2.txt");

        await FakeRuns.Runner(executor, new DagonOptions { MaxParallelism = 2 }, live).RunAsync(FakeRuns.Dataflow().Build());

        Assert.True(sawBRunning, "B was not listed as running while it ran");
        Assert.Matches("running [12]", console.Output); // a frame drawn while B (and maybe C) ran
        Assert.Contains("done 2  running 0  queued 0  failed 2  of 4", console.Output); // the last frame: D skipped counts as failed
        Assert.True(live.Snapshot().Finished);
    }

    [Theory]
    [InlineData(null, true, false, ProgressMode.Rich)]
    [InlineData(null, false, false, ProgressMode.Plain)]
    [InlineData(null, true, true, ProgressMode.Plain)]
    [InlineData("none", true, false, ProgressMode.None)]
    [InlineData("Rich", false, true, ProgressMode.Rich)]
    public void DefaultIsRichOnATerminalOutsideCi(string? setting, bool terminal, bool ci, ProgressMode expected) =>
        Assert.Equal(expected, ProgressModes.Resolve(setting, terminal, ci));

    [Fact]
    public void AnUnknownModeIsRefusedNamingTheChoices() =>
        Assert.Contains("plain, rich or none", Assert.Throws<ArgumentException>(() => ProgressModes.Resolve("fancy", true, false)).Message);
}
