using Dagon.Model;

namespace Dagon.Dsl.Tests.Model;

public class SlurmValidationTests
{
    private static WorkflowBuilder Flow() => Workflow.Create("hpc");

    private static IReadOnlyList<string> ErrorsOf(WorkflowBuilder builder) =>
        Assert.Throws<WorkflowValidationException>(() => builder.Build()).Errors;

    [Fact]
    public void RequestIsKeptOnTheTaskAndSchedulerOnTaskAndWorkflow()
    {
        var workflow = Flow().Scheduler(Scheduler.Slurm)
            .BatchTask("A", "true", t => t.Cpus(2).MemoryMb(512).Time("01:00:00").Partition("debug").SlurmOptions("--exclusive"))
            .BatchTask("B", "true", t => t.Scheduler(Scheduler.Direct))
            .Build();

        Assert.Equal(Scheduler.Slurm, workflow.Scheduler);
        var a = workflow["A"].Slurm;
        Assert.Equal((2, 512, "01:00:00", "debug"), (a.Cpus, a.MemoryMb, a.Time, a.Partition));
        Assert.Equal(["--exclusive"], a.Options);
        Assert.Equal(Scheduler.Direct, workflow["B"].Scheduler);
        Assert.True(workflow["B"].Slurm.IsEmpty);
    }

    [Fact]
    public void MalformedTimeNonPositiveCountsAndEngineOptionsAreNamedWithTheTask()
    {
        var errors = ErrorsOf(Flow().BatchTask("A", "true", t => t.Time("2h").Cpus(0).Gpus(-1).SlurmOptions("--chdir=/x", "--qos=a")));

        Assert.Equal(
        [
            "Task 'A' has time limit '2h'; use MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS",
            "Task 'A' requests 0 CPUs; it must be positive",
            "Task 'A' requests -1 GPUs; it must be positive",
            "Task 'A' has Slurm option '--chdir=/x' is set by the engine (--chdir); remove it",
        ], errors);
    }

    [Fact]
    public void ResourcesOnATaskStartedDirectlyByItsWorkflowAreRefused()
    {
        var error = Assert.Single(ErrorsOf(Flow().Scheduler(Scheduler.Direct).BatchTask("A", "true", t => t.Cpus(4))));

        Assert.Equal("Task 'A' sets Slurm resources, but its workflow starts it directly (Scheduler.Direct); remove them or run it with Scheduler.Slurm", error);
    }

    [Fact]
    public void ATaskChoosingSlurmMayCarryResourcesInADirectWorkflow() =>
        Flow().Scheduler(Scheduler.Direct).BatchTask("A", "true", t => t.Slurm().Cpus(4)).Build();

    [Theory]
    [InlineData("90", 90)]
    [InlineData("1:30", 2)]
    [InlineData("01:00:00", 60)]
    [InlineData("1-2", 1560)]
    [InlineData("1-00:01", 1441)]
    [InlineData("0-00:00:30", 1)]
    public void TimeLimitsParseToWholeMinutesRoundedUp(string time, long minutes)
    {
        Assert.True(Dagon.Rules.SlurmRules.TryParseTime(time, out var parsed));
        Assert.Equal(minutes, parsed);
    }
}
