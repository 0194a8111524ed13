using Dagon.Execution;
using Dagon.Model;
using Dagon.Observing;
using Dagon.Running;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dagon.Dsl.Tests.Running;

/// <summary>Runners over a <see cref="FakeExecutor"/>, and the demo's four-task workflow, for the tests of what observes a run.</summary>
internal static class FakeRuns
{
    public static WorkflowRunner Runner(FakeExecutor executor, DagonOptions options, params IRunObserver[] observers) => new(
        executor,
        new InputStager(NullLogger<InputStager>.Instance, new PlaceTransfer(NullLogger<PlaceTransfer>.Instance)),
        Options.Create(options),
        NullLoggerFactory.Instance,
        observers);

    /// <summary>A -> (B, C) -> D, as the DataFlow demo.</summary>
    public static WorkflowBuilder Dataflow() => Workflow.Create("DataFlow")
        .DefaultImage("docker://busybox")
        .Task("A", "mkdir -p output && hostname > output/f1.txt")
        .Task("B", "cat workflow:///A/output/f1.txt > f2.txt")
        .Task("C", "cat workflow:///A/output/f1.txt > f2.txt")
        .Task("D", "cat workflow:///B/f2.txt workflow:///C/f2.txt > f3.txt");

    public static FakeExecutor.Behaviour Writes(string relativePath, TimeSpan? takes = null) => async (execution, _, token) =>
    {
        if (takes is { } delay) await Task.Delay(delay, token);
        execution.Timings.Execution = takes ?? TimeSpan.FromMilliseconds(1);
        var path = Path.Combine(execution.Workspace.WorkDir, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, execution.Task.Name, token);
        return TaskOutcome.Success;
    };

    public static FakeExecutor.Behaviour Fails(int exitCode) => (execution, _, _) =>
    {
        execution.Timings.Execution = TimeSpan.FromMilliseconds(2);
        return Task.FromResult(TaskOutcome.Failed($"command exited with code {exitCode}", exitCode, ["it broke"]));
    };

    /// <summary>The demo run with B failing: A and C succeed, B fails with exit code 3, D is skipped.</summary>
    public static void FailB(FakeExecutor executor)
    {
        executor.Behaviours["A"] = Writes("output/f1.txt");
        executor.Behaviours["B"] = Fails(3);
        executor.Behaviours["C"] = Writes("f2.txt");
    }
}
