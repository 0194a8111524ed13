using Dagon.Dsl.Tests.Running;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Running;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dagon.Dsl.Tests.Scheduling;

/// <summary>Which tasks run for --target, --until, --from and --skip: counted from what the runner really started.</summary>
public sealed class PlanSelectionTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-selection-tests-").FullName;
    private readonly FakeExecutor _backend;

    public PlanSelectionTests() => _backend = new FakeExecutor(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A -> B, C -> D, plus E after A (a second leaf) and F on its own.</summary>
    private static WorkflowDefinition Workflow_() => Workflow.Create("Select")
        .DefaultImage("docker://busybox")
        .Task("A", "echo a")
        .Task("B", t => t.Command("echo b").DependsOn("A"))
        .Task("C", t => t.Command("echo c").DependsOn("A"))
        .Task("D", t => t.Command("echo d").DependsOn("B", "C"))
        .Task("E", t => t.Command("echo e").DependsOn("A"))
        .Task("F", "echo f")
        .Build();

    private async Task<string[]> RunAsync(TaskSelection selection)
    {
        var runner = new WorkflowRunner(_backend,
            new InputStager(NullLogger<InputStager>.Instance, new PlaceTransfer(NullLogger<PlaceTransfer>.Instance)),
            Options.Create(new DagonOptions { MaxParallelism = 1 }), NullLoggerFactory.Instance);
        var full = ExecutionPlan.Create([Workflow_()]);
        var result = await runner.RunAsync(full.Subset(PlanSelection.Resolve(full, selection)));
        Assert.True(result.Succeeded);
        Assert.Equal(result.Tasks.Select(t => t.Task.Name).Order(), _backend.Ran.Order());
        return [.. _backend.Ran.Order(StringComparer.Ordinal)];
    }

    private static TaskSelectionException Rejected(TaskSelection selection) =>
        Assert.Throws<TaskSelectionException>(() => PlanSelection.Resolve(ExecutionPlan.Create([Workflow_()]), selection));

    [Fact]
    public async Task EverythingRunsWithoutSelection() =>
        Assert.Equal(["A", "B", "C", "D", "E", "F"], await RunAsync(TaskSelection.Everything));

    [Fact]
    public async Task TargetRunsItAndEverythingItNeedsOnly() =>
        Assert.Equal(["A", "B", "C", "D"], await RunAsync(new TaskSelection { Targets = ["D"] }));

    [Fact]
    public async Task TwoTargetsRunTheUnionOfWhatTheyNeed() =>
        Assert.Equal(["A", "B", "F"], await RunAsync(new TaskSelection { Targets = ["B", "F"] }));

    [Fact]
    public async Task SkippingALeafLeavesOnlyItOut() =>
        Assert.Equal(["A", "B", "C", "D", "F"], await RunAsync(new TaskSelection { Skip = ["E"] }));

    [Fact]
    public async Task FromARootRunsItAndEverythingDownstream() =>
        Assert.Equal(["A", "B", "C", "D", "E"], await RunAsync(new TaskSelection { From = ["A"] }));

    [Fact]
    public async Task FromAndUntilTogetherRunWhatLiesBetween() =>
        Assert.Equal(["A", "B", "C", "D"], await RunAsync(new TaskSelection { From = ["A"], Targets = ["D"] }));

    [Fact]
    public async Task SubPlanKeepsTheEdgesBetweenSelectedTasks()
    {
        await RunAsync(new TaskSelection { Targets = ["D"] });

        var order = _backend.Ran.ToList();
        Assert.Equal("A", order[0]);
        Assert.Equal("D", order[^1]);
    }

    [Fact]
    public void SkippingATaskASelectedTaskNeedsNamesBoth()
    {
        var error = Rejected(new TaskSelection { Skip = ["B"] });

        Assert.Equal(["cannot skip 'B': 'D' needs it, and no earlier run's outputs are kept to use instead"], error.Errors);
        Assert.Empty(_backend.Ran);
    }

    [Fact]
    public void FromATaskWhoseOtherInputsAreNotSelectedNamesWhatIsMissing()
    {
        var error = Rejected(new TaskSelection { From = ["B"] });

        Assert.Contains(error.Errors, e => e.StartsWith("'B' needs 'A', which the selection leaves out", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("'D' needs 'C', which the selection leaves out", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownTaskIsRejectedWithTheClosestName() =>
        Assert.Equal(["--target/--until: there is no task 'DD': did you mean D? (tasks: A, B, C, D, E, F)"],
            Rejected(new TaskSelection { Targets = ["DD"] }).Errors);

    [Fact]
    public void SkippingEverythingSelectedLeavesNothingToRun() =>
        Assert.Equal(["the selection leaves no task to run"], Rejected(new TaskSelection { Targets = ["F"], Skip = ["F"] }).Errors);

    [Fact]
    public void TaskNameSharedByTwoWorkflowsMustBeQualified()
    {
        var one = Workflow.Create("one").DefaultImage("docker://busybox").Task("A", "echo").Build();
        var two = Workflow.Create("two").DefaultImage("docker://busybox").Task("A", "echo").Build();
        var plan = ExecutionPlan.Create([one, two]);

        var error = Assert.Throws<TaskSelectionException>(() => PlanSelection.Resolve(plan, new TaskSelection { Targets = ["A"] }));

        Assert.Equal(["--target/--until 'A' names a task of several workflows: write one/A or two/A"], error.Errors);
        Assert.Equal([false, true], PlanSelection.Resolve(plan, new TaskSelection { Targets = ["two/A"] }));
    }
}
