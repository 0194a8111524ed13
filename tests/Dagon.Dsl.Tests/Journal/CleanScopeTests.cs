using Dagon.Journal;

namespace Dagon.Dsl.Tests.Journal;

/// <summary>Which recorded runs clean chooses: a pure choice over the journal's runs, oldest first.</summary>
public sealed class CleanScopeTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static TaskRecord Record(string run, string task, int minute, string state = "succeeded", string? host = null, string? workspace = null) => new()
    {
        Key = "k-" + task, RunId = run, Task = task, State = state, Host = host,
        Started = Noon.AddMinutes(minute), Ended = Noon.AddMinutes(minute + 1),
        Workspace = workspace ?? $"/tmp/dagon-{run}/{task}",
    };

    private static IReadOnlyList<RecordedRun> Runs(params string[] ids) =>
        RecordedRun.Of(ids.Select((id, i) => Record(id, "A", i)).ToList());

    private static string[] Ids(IEnumerable<RecordedRun> runs) => runs.Select(r => r.RunId).ToArray();

    [Fact]
    public void BeforeChoosesExactlyTheRunsRecordedEarlierThanTheNamedOne()
    {
        var (remove, inUse) = new CleanScope.Before("r3").Choose(Runs("r1", "r2", "r3", "r4"), _ => false);

        Assert.Equal(["r1", "r2"], Ids(remove));
        Assert.Empty(inUse);
    }

    [Fact]
    public void BeforeTheOldestRunChoosesNothing() =>
        Assert.Empty(new CleanScope.Before("r1").Choose(Runs("r1", "r2"), _ => false).Remove);

    [Theory]
    [InlineData(0, new[] { "r1", "r2", "r3" })]
    [InlineData(1, new[] { "r1", "r2" })]
    [InlineData(3, new string[0])]
    [InlineData(10, new string[0])]
    public void KeepLastLeavesTheNewestRuns(int keep, string[] removed) =>
        Assert.Equal(removed, Ids(new CleanScope.KeepLast(keep).Choose(Runs("r1", "r2", "r3"), _ => false).Remove));

    [Fact]
    public void ARunInUseIsSetAsideWhateverTheScope()
    {
        var (remove, inUse) = new CleanScope.All().Choose(Runs("r1", "r2", "r3"), r => r.RunId == "r2");

        Assert.Equal(["r1", "r3"], Ids(remove));
        Assert.Equal(["r2"], Ids(inUse));
    }

    [Fact]
    public void AnUnknownRunIsAnErrorNamingIt()
    {
        var error = Assert.Throws<UnknownRunException>(() => new CleanScope.Before("nope").Choose(Runs("r1", "r2"), _ => false));

        Assert.Equal("clean --before: no run 'nope' in the journal (2 runs recorded; 'runs' lists them)", error.Message);
    }

    [Fact]
    public void RunsAreOrderedByTheirFirstRecordAndSummariseTheirTasks()
    {
        var runs = RecordedRun.Of([
            Record("r2", "A", 5), Record("r1", "A", 0, state: "failed"), Record("r2", "B", 6, host: "node", workspace: "/home/u/dagon-r2/B"),
            Record("r1", "A", 1), Record("r1", "B", 2, state: "failed"),
        ]);

        Assert.Equal(["r2", "r1"], Ids(runs));
        Assert.Equal((2, 1), (runs[1].Tasks, runs[1].Succeeded));
        Assert.Equal(Noon, runs[1].Started);
        Assert.Equal(Noon.AddMinutes(3), runs[1].Ended);
        Assert.Equal([new RunFolder(null, "/tmp/dagon-r2"), new RunFolder("node", "/home/u/dagon-r2")], runs[0].Folders);
    }

    [Theory]
    [InlineData("/tmp/dagon-other/A")]
    [InlineData("/tmp/A")]
    [InlineData("A")]
    public void AWorkspaceOutsideAFolderNamedForItsRunYieldsNoFolderToRemove(string workspace) =>
        Assert.Empty(RecordedRun.Of([Record("r1", "A", 0, workspace: workspace)]).Single().Folders);
}
