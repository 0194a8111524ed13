using Dagon.Execution;
using Dagon.Journal;
using Dagon.Model;
using Dagon.Rules;
using Dagon.Scheduling;

namespace Dagon.Dsl.Tests.Journal;

public sealed class RetryChoiceTests
{
    private static TaskOutcome Failure(FailureKind kind, int? exitCode = null) => TaskOutcome.Failed("it failed", exitCode, kind: kind);

    private static TaskDefinition Task(RetryOn kinds = RetryOn.Unset, params int[] codes) =>
        new() { Name = "T", Command = "true", Retries = 2, RetryOn = kinds, RetryOnExitCodes = codes };

    public static TheoryData<RetryOn, int[], FailureKind, int?, bool> Decisions => new()
    {
        // Nothing named: every failure is retried, as before kinds existed.
        { RetryOn.Unset, [], FailureKind.ExitCode, 3, true },
        { RetryOn.Unset, [], FailureKind.Timeout, null, true },
        { RetryOn.Unset, [], FailureKind.Other, null, true },
        // Kinds only: those kinds, and no exit code.
        { RetryOn.Timeout, [], FailureKind.Timeout, null, true },
        { RetryOn.Timeout, [], FailureKind.OutOfMemory, null, false },
        { RetryOn.OutOfMemory, [], FailureKind.ExitCode, 3, false },
        { RetryOn.OutOfMemory, [], FailureKind.OutOfMemory, 137, true },
        { RetryOn.LostConnection, [], FailureKind.LostConnection, null, true },
        { RetryOn.LostConnection, [], FailureKind.NodeFailure, null, false },
        { RetryOn.NodeFailure | RetryOn.Timeout, [], FailureKind.NodeFailure, null, true },
        { RetryOn.NodeFailure | RetryOn.Timeout, [], FailureKind.Other, null, false },
        // Exit codes only: those codes, and no kind.
        { RetryOn.Unset, [75], FailureKind.ExitCode, 75, true },
        { RetryOn.Unset, [75], FailureKind.ExitCode, 3, false },
        { RetryOn.Unset, [75], FailureKind.Timeout, null, false },
        // Both: either matches.
        { RetryOn.Timeout, [75], FailureKind.ExitCode, 75, true },
        { RetryOn.Timeout, [75], FailureKind.Timeout, null, true },
        { RetryOn.Timeout, [75], FailureKind.ExitCode, 76, false },
        // An exit code named matches whatever kind the launcher gave the failure.
        { RetryOn.Unset, [137], FailureKind.OutOfMemory, 137, true },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void AFailureIsRetriedWhenItsKindOrExitCodeIsChosen(RetryOn kinds, int[] codes, FailureKind kind, int? exitCode, bool retried) =>
        Assert.Equal(retried, RetryChoice.For(Task(kinds, codes), RetryChoice.Any).Covers(Failure(kind, exitCode)));

    [Fact]
    public void SuccessesAndCancellationsAreNeverRetried()
    {
        Assert.False(RetryChoice.Any.Covers(TaskOutcome.Success));
        Assert.False(RetryChoice.Any.Covers(TaskOutcome.Cancelled()));
    }

    [Fact]
    public void ATaskWithoutAChoiceTakesTheRunsAndATaskWithOneKeepsItsOwn()
    {
        var run = TaskRetries.RunChoice(new DagonOptions { RetryOn = "out-of-memory" });

        Assert.False(RetryChoice.For(Task(), run).Covers(Failure(FailureKind.ExitCode, 3)));
        Assert.True(RetryChoice.For(Task(), run).Covers(Failure(FailureKind.OutOfMemory)));
        Assert.True(RetryChoice.For(Task(RetryOn.Unset, 3), run).Covers(Failure(FailureKind.ExitCode, 3)));
        Assert.False(RetryChoice.For(Task(RetryOn.Unset, 3), run).Covers(Failure(FailureKind.OutOfMemory)));
    }

    [Fact]
    public void LaunchersFailuresCarryTheirKindAndAnExitCodeAloneIsAnExitCodeFailure()
    {
        Assert.Equal(FailureKind.ExitCode, TaskOutcome.Failed("exit 3", 3).Failure);
        Assert.Equal(FailureKind.Other, TaskOutcome.Failed("missing output", 0).Failure);
        Assert.Equal(FailureKind.Other, TaskOutcome.Failed("staging failed").Failure);
        Assert.Null(TaskOutcome.Success.Failure);
    }

    [Theory]
    [InlineData("timeout", RetryOn.Timeout, new int[0])]
    [InlineData("timeout, out-of-memory 75", RetryOn.Timeout | RetryOn.OutOfMemory, new[] { 75 })]
    [InlineData("LostConnection,node_failure", RetryOn.LostConnection | RetryOn.NodeFailure, new int[0])]
    [InlineData("  ", RetryOn.Unset, new int[0])]
    public void RetryOnSettingNamesKindsAndExitCodes(string text, RetryOn kinds, int[] codes)
    {
        var (parsedKinds, parsedCodes) = new DagonOptions { RetryOn = text }.RetryChoice();

        Assert.Equal(kinds, parsedKinds);
        Assert.Equal(codes, parsedCodes);
    }

    [Theory]
    [InlineData("timeout, oom", "'oom' is neither an exit code nor one of timeout, lost-connection, node-failure, out-of-memory")]
    [InlineData("0", "exit code 0: a failed process exits with 1 to 255")]
    [InlineData("256", "exit code 256: a failed process exits with 1 to 255")]
    public void ABadRetryOnSettingIsRefusedNamingTheSettingAndTheWord(string text, string error)
    {
        var exception = Assert.Throws<InvalidOperationException>(() => new DagonOptions { RetryOn = text }.RetryChoice());

        Assert.StartsWith($"retry_on = {text} in [dagon] (--retry-on): ", exception.Message, StringComparison.Ordinal);
        Assert.Contains(error, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWorkflowThatRetriesOnAnExitCodeThatNeverComesIsRefused()
    {
        var workflow = Workflow.Create("W").BatchTask("T", "true", t => t.Retries(1, 0, 300).RetryOn((RetryOn)64));

        var exception = Assert.Throws<WorkflowValidationException>(() => workflow.Build());

        Assert.Contains("Task 'T' retries on exit code 0; a failed process exits with 1 to 255", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Task 'T' retries on exit code 300;", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Task 'T' retries on 64 is not a combination of RetryOn", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheFluentApiSetsKindsAndCodes()
    {
        var task = Workflow.Create("W").BatchTask("T", "true", t => t.Retries(2, RetryOn.Timeout | RetryOn.OutOfMemory, 75)).Build().Tasks[0];

        Assert.Equal(2, task.Retries);
        Assert.Equal(RetryOn.Timeout | RetryOn.OutOfMemory, task.RetryOn);
        Assert.Equal([75], task.RetryOnExitCodes);
        Assert.Equal("timeout, out-of-memory", RetryRules.Describe(task.RetryOn));
    }
}
