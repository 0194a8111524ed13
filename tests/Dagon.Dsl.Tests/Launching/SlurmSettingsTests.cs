using Dagon.Execution;
using Dagon.Launching.Slurm;
using Dagon.Model;
using Dagon.Scheduling;
using Microsoft.Extensions.Configuration;

namespace Dagon.Dsl.Tests.Launching;

public class SlurmSettingsTests
{
    private static SlurmSettings Settings(params (string Key, string Value)[] values) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Fact]
    public void HostKeysWithTheSlurmPrefixOverrideTheSlurmSection()
    {
        var settings = Settings(("slurm:partition", "debug"), ("slurm:poll_interval_seconds", "3"), ("slurm:sbatch", "sbatch"),
            ("host:hpc:slurm_partition", "compute"), ("host:hpc:slurm_sbatch", "/opt/slurm/bin/sbatch"), ("host:hpc:ssh_user", "me"));

        var here = settings.For(null);
        var hpc = settings.For("hpc");

        Assert.Equal(("debug", "sbatch", 3.0), (here.Partition, here.Sbatch, here.PollIntervalSeconds));
        Assert.Equal(("compute", "/opt/slurm/bin/sbatch", 3.0), (hpc.Partition, hpc.Sbatch, hpc.PollIntervalSeconds));
    }

    [Fact]
    public void AMistypedHostSchedulerIsNamed()
    {
        var exception = Assert.Throws<InvalidOperationException>(() => Settings(("host:hpc:scheduler", "slrum")).HostScheduler("hpc"));

        Assert.Equal("scheduler = slrum in [host:hpc] of dagon.ini is neither 'direct' nor 'slurm'", exception.Message);
    }

    [Theory]
    [InlineData(null, null, null, null, Scheduler.Direct)]
    [InlineData(null, null, null, Scheduler.Slurm, Scheduler.Slurm)]
    [InlineData(null, null, "slurm", Scheduler.Direct, Scheduler.Slurm)]
    [InlineData(null, Scheduler.Direct, "slurm", Scheduler.Slurm, Scheduler.Direct)]
    [InlineData(Scheduler.Slurm, Scheduler.Direct, "direct", Scheduler.Direct, Scheduler.Slurm)]
    public void TaskWinsOverWorkflowOverHostProfileOverRun(Scheduler? task, Scheduler? workflow, string? host, Scheduler? run, Scheduler expected)
    {
        var builder = Workflow.Create("w").BatchTask("A", "true", t =>
        {
            t.OnHost("hpc");
            if (task is { } scheduler) t.Scheduler(scheduler);
        });
        if (workflow is { } workflowScheduler) builder.Scheduler(workflowScheduler);
        var plan = ExecutionPlan.Create([builder.Build()]);
        var settings = host is null ? Settings() : Settings(("host:hpc:scheduler", host));

        Assert.Equal(expected, SchedulerPreparation.Resolve(plan.Tasks[0], settings, new DagonOptions { Scheduler = run }));
    }
}
