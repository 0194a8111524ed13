using Dagon.Journal;
using Dagon.Scheduling;

namespace Dagon.Dsl.Tests.Journal;

/// <summary>What <c>runs</c> says of a run that did not fully succeed, from its records.</summary>
public sealed class RunFailuresTests
{
    private static TaskRecord Record(string task, string state = "succeeded", FailureKind? failure = null, int attempts = 1, string run = "r") => new()
    {
        Key = "k", RunId = run, Task = task, State = state, Workspace = $"/tmp/dagon-{run}/{task}", Failure = failure, Attempts = attempts,
    };

    [Fact]
    public void ARunThatFullySucceededAtFirstAttemptHasNothingToSay() =>
        Assert.Null(RunFailures.Of([Record("A"), Record("B")]).Describe());

    [Fact]
    public void OneFailedTaskIsNamedByItsKind() =>
        Assert.Equal("failed: 1 (out-of-memory)", RunFailures.Of([Record("A"), Record("B", "failed", FailureKind.OutOfMemory)]).Describe());

    [Fact]
    public void SeveralKindsAreCountedEachInTheOrderOfTheKinds()
    {
        var failures = RunFailures.Of([
            Record("A", "failed", FailureKind.OutOfMemory), Record("B", "failed", FailureKind.ExitCode), Record("C", "failed", FailureKind.ExitCode),
            Record("D", "cancelled"),
        ]);

        Assert.Equal("failed: 3 (2 exit-code, 1 out-of-memory); cancelled: 1", failures.Describe());
        Assert.Equal([(FailureKind.ExitCode, 2), (FailureKind.OutOfMemory, 1)], failures.Failed.Select(f => (f.Kind!.Value, f.Tasks)));
    }

    [Fact]
    public void RetriedTasksAreCountedWithTheMostAttempts() =>
        Assert.Equal("failed: 1 (timeout); retried: 2 tasks (up to 3 attempts)",
            RunFailures.Of([Record("A", attempts: 2), Record("B", "failed", FailureKind.Timeout, attempts: 3), Record("C")]).Describe());

    [Fact]
    public void AFailureRecordedBeforeKindsWereKeptSaysSo() =>
        Assert.Equal("failed: 2 (1 exit-code, 1 kind not recorded)",
            RunFailures.Of([Record("A", "failed"), Record("B", "failed", FailureKind.ExitCode)]).Describe());

    [Fact]
    public void EachRunOfTheJournalGetsItsOwnFailures()
    {
        var runs = RecordedRun.Of([Record("A", "failed", FailureKind.NodeFailure, run: "r1"), Record("A", run: "r2", attempts: 2)]);

        Assert.Equal(["failed: 1 (node-failure)", "retried: 1 task (up to 2 attempts)"], runs.Select(r => r.Failures.Describe()));
    }
}
