using System.Collections.Concurrent;
using Dagon.Execution;
using Dagon.Dsl.Tests.Running;
using Dagon.Observing;
using Dagon.Scheduling;

namespace Dagon.Dsl.Tests.Observing;

public sealed class RunObserversTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-observers-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed class Recorder : IRunObserver
    {
        public ConcurrentQueue<string> Events { get; } = new();
        public ConcurrentBag<TaskAttempt> Attempts { get; } = new();

        public void RunStarted(RunStart run) => Events.Enqueue($"run started: {run.Plan.Tasks.Count} tasks");
        public void TaskStarted(TaskStart task) => Events.Enqueue($"started {task.Task.Name} on {task.Host}");

        public void TaskFinished(TaskAttempt attempt)
        {
            Attempts.Add(attempt);
            Events.Enqueue($"finished {attempt.Task.Name}: {attempt.Outcome.State}");
        }

        public void RunFinished(RunResult result) => Events.Enqueue($"run finished: {(result.Succeeded ? "ok" : "failed")}");
    }

    private sealed class Throws : IRunObserver
    {
        public void RunStarted(RunStart run) => throw new InvalidOperationException("observer broke");
        public void TaskStarted(TaskStart task) => throw new InvalidOperationException("observer broke");
        public void TaskFinished(TaskAttempt attempt) => throw new InvalidOperationException("observer broke");
        public void RunFinished(RunResult result) => throw new InvalidOperationException("observer broke");
    }

    [Fact]
    public async Task ObserversSeeRunStartEveryTaskInOrderOfItsLifeAndRunEnd()
    {
        var executor = new FakeExecutor(_root);
        FakeRuns.FailB(executor);
        var recorder = new Recorder();

        await FakeRuns.Runner(executor, new DagonOptions { MaxParallelism = 1 }, recorder).RunAsync(FakeRuns.Dataflow().Build());

        var events = recorder.Events.ToList();
        Assert.Equal("run started: 4 tasks", events[0]);
        Assert.Equal("run finished: failed", events[^1]);
        Assert.True(events.IndexOf("started A on localhost") < events.IndexOf("finished A: Succeeded"));
        Assert.Contains("finished B: Failed", events);
        Assert.Contains("finished D: Skipped", events);
        Assert.DoesNotContain("started D on localhost", events);
        var b = recorder.Attempts.Single(a => a.Task.Name == "B");
        Assert.Equal((3, 1), (b.Outcome.ExitCode, b.Attempt));
        Assert.True(b.Timings.Submitted <= b.Timings.Started && b.Timings.Started <= b.Timings.Ended, "times out of order");
    }

    [Fact]
    public async Task AFailingObserverDoesNotFailTheRun()
    {
        var executor = new FakeExecutor(_root);
        var recorder = new Recorder();

        var result = await FakeRuns.Runner(executor, new DagonOptions(), new Throws(), recorder)
            .RunAsync(Workflow().Build());

        Assert.True(result.Succeeded);
        Assert.Contains("run finished: ok", recorder.Events);
    }

    private static Dagon.Model.WorkflowBuilder Workflow() => Dagon.Model.Workflow.Create("One").BatchTask("A", "true");
}
