using Dagon.Execution;
using Dagon.Journal;
using Dagon.Model;
using Dagon.Scheduling;

namespace Dagon.Dsl.Tests.Journal;

/// <summary>
/// A task's key decides whether <c>--resume</c> reuses a recorded result, so a key must not change between versions
/// of the engine for the same task: the keys of a fixed workflow are pinned here.
/// </summary>
public sealed class TaskKeysTests
{
    private static (TaskKeys Keys, ExecutionPlan Plan) Keys(Action<TaskBuilder>? editB = null)
    {
        var workflow = Workflow.Create("Keys").DefaultImage("docker://debian:12")
            .Task("A", t => t.Command("make > out.txt").Outputs("out.txt").Env("Z", "1").Env("A", "2").Bind("/data:/data:ro"))
            .Task("C", t => t.Batch().Command("true"))
            .Task("B", t =>
            {
                t.Command("cat workflow:///A/out.txt workflow:///C/x > b.txt").DependsOn("C").Shell("bash")
                    .Overlay(OverlayMode.WritableTmpfs).Gpu(GpuVendor.Nvidia).ContainerOptions("--cleanenv", "--no-home");
                editB?.Invoke(t);
            });
        var plan = ExecutionPlan.Create([workflow.Build()], runId: "pinned");
        var run = new RunState(plan, new DagonOptions());
        run.Images[0] = "/cache/images/0123abcd.sif";
        return (new TaskKeys(run), plan);
    }

    private static string[] ComputeAll(TaskKeys keys, ExecutionPlan plan, string outputSum = "0f")
    {
        var a = keys.Compute(plan.Tasks[0]);
        keys.Finished(plan.Tasks[0], [new RecordedOutput("out.txt", 3, outputSum)]);
        var c = keys.Compute(plan.Tasks[1]);
        keys.Finished(plan.Tasks[1], []);
        return [a, c, keys.Compute(plan.Tasks[2])];
    }

    [Fact]
    public void Keys_of_a_fixed_workflow_stay_what_earlier_versions_recorded()
    {
        var (keys, plan) = Keys();

        Assert.Equal([
            "ec66ba19f13a432835e0461ba239804fd309738b9a7e095ba8dcd77e25bfc6e6",
            "25c843ffd4f9a89aeb3a224a662513e6196e98f70e8b33d3e7e36f6742c6a5b4",
            "4ea8b7d9564b4444e7b377e69a9b107bf759e15da3320e0903e9035409caabd5",
        ], ComputeAll(keys, plan));
    }

    [Fact]
    public void A_producers_new_output_changes_its_readers_key_and_nothing_else()
    {
        var (keys, plan) = Keys();
        var (otherKeys, otherPlan) = Keys();

        var before = ComputeAll(keys, plan);
        var after = ComputeAll(otherKeys, otherPlan, outputSum: "1e");

        Assert.Equal(before[..2], after[..2]);
        Assert.NotEqual(before[2], after[2]);
    }

    [Fact]
    public void Editing_a_task_changes_its_own_key_only()
    {
        var (originalKeys, originalPlan) = Keys();
        var before = ComputeAll(originalKeys, originalPlan);
        var (keys, plan) = Keys(b => b.Env("NEW", "1"));

        var after = ComputeAll(keys, plan);

        Assert.Equal(before[..2], after[..2]);
        Assert.NotEqual(before[2], after[2]);
    }
}
