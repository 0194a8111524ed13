using System.Collections.Concurrent;
using Dagon.Rules;
using Dagon.Scheduling;

namespace Dagon.Dsl.Tests.Scheduling;

public class DagSchedulerTests
{
    // The dataflow shape: 0=A, 1=B, 2=C, 3=D; B and C after A, D after both.
    private static readonly Dag Diamond = new([[], [0], [0], [1, 2]]);

    [Fact]
    public async Task EveryTaskStartsOnlyAfterItsDependenciesSucceeded()
    {
        var finished = new ConcurrentDictionary<int, bool>();
        var violations = new ConcurrentBag<string>();
        var outcomes = await new DagScheduler(4).RunAsync(Diamond, async (node, _) =>
        {
            foreach (var dependency in Diamond.Dependencies[node])
            {
                if (!finished.ContainsKey(dependency)) violations.Add($"{node} started before {dependency}");
            }

            await Task.Delay(20);
            finished[node] = true;
            return TaskOutcome.Success;
        });

        Assert.Empty(violations);
        Assert.All(outcomes, o => Assert.Equal(TaskState.Succeeded, o.State));
    }

    [Fact]
    public async Task IndependentTasksRunInParallel()
    {
        var running = 0;
        var peak = 0;
        var bothRunning = new TaskCompletionSource();
        await new DagScheduler(4).RunAsync(Diamond, async (node, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            if (node is 1 or 2)
            {
                if (now == 2) bothRunning.TrySetResult();
                // B and C wait for each other: this only completes if they really overlap.
                await bothRunning.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }

            Interlocked.Decrement(ref running);
            return TaskOutcome.Success;
        });

        Assert.Equal(2, peak);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task ParallelismIsBounded(int limit)
    {
        var graph = new Dag(Enumerable.Range(0, 12).Select(_ => Array.Empty<int>()).ToArray());
        var running = 0;
        var peak = 0;
        await new DagScheduler(limit).RunAsync(graph, async (_, _) =>
        {
            InterlockedMax(ref peak, Interlocked.Increment(ref running));
            await Task.Delay(15);
            Interlocked.Decrement(ref running);
            return TaskOutcome.Success;
        });

        Assert.Equal(limit, peak);
    }

    [Fact]
    public async Task FailedTaskSkipsDependentsButIndependentBranchFinishes()
    {
        var ran = new ConcurrentBag<int>();
        var outcomes = await new DagScheduler(2, i => "ABCD"[i].ToString()).RunAsync(Diamond, async (node, _) =>
        {
            ran.Add(node);
            if (node == 2) await Task.Delay(50); // C is still running when B fails
            return node == 1 ? TaskOutcome.Failed("command exited with code 3", 3) : TaskOutcome.Success;
        });

        Assert.Equal(TaskState.Succeeded, outcomes[0].State);
        Assert.Equal(TaskState.Failed, outcomes[1].State);
        Assert.Equal(3, outcomes[1].ExitCode);
        Assert.Equal(TaskState.Succeeded, outcomes[2].State);
        Assert.Equal(TaskState.Skipped, outcomes[3].State);
        Assert.Equal("not run: upstream task 'B' failed", outcomes[3].Reason);
        Assert.DoesNotContain(3, ran);
    }

    [Fact]
    public async Task SkipPropagatesTransitively()
    {
        var chain = new Dag([[], [0], [1], [2], []]);
        var outcomes = await new DagScheduler(2).RunAsync(chain, (node, _) =>
            ValueTask.FromResult(node == 0 ? TaskOutcome.Failed("boom") : TaskOutcome.Success));
        Assert.Equal([TaskState.Failed, TaskState.Skipped, TaskState.Skipped, TaskState.Skipped, TaskState.Succeeded],
            outcomes.Select(o => o.State));
    }

    [Fact]
    public async Task ExceptionInTaskBecomesFailure()
    {
        var outcomes = await new DagScheduler(1).RunAsync(new Dag([[]]),
            (_, _) => throw new InvalidOperationException("launch failed"));
        Assert.Equal(TaskState.Failed, outcomes[0].State);
        Assert.Equal("launch failed", outcomes[0].Reason);
    }

    [Fact]
    public async Task CancellationStopsRunningTasksAndStartsNoMore()
    {
        using var cancellation = new CancellationTokenSource();
        var started = new ConcurrentBag<int>();
        var outcomes = await new DagScheduler(4).RunAsync(Diamond, async (node, token) =>
        {
            started.Add(node);
            if (node == 0) return TaskOutcome.Success;
            if (node == 1) cancellation.CancelAfter(30);
            await Task.Delay(TimeSpan.FromSeconds(30), token);
            return TaskOutcome.Success;
        }, cancellationToken: cancellation.Token).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(TaskState.Succeeded, outcomes[0].State);
        Assert.Equal(TaskState.Cancelled, outcomes[1].State);
        Assert.Equal(TaskState.Cancelled, outcomes[2].State);
        Assert.Equal(TaskState.Cancelled, outcomes[3].State);
        Assert.DoesNotContain(3, started);
    }

    [Fact]
    public async Task LargeLayeredGraphCompletes()
    {
        const int width = 100, depth = 50;
        var dependencies = new int[width * depth][];
        for (var layer = 0; layer < depth; layer++)
        {
            for (var i = 0; i < width; i++)
            {
                dependencies[layer * width + i] = layer == 0 ? [] : [(layer - 1) * width + i, (layer - 1) * width + (i + 1) % width];
            }
        }

        var order = new ConcurrentQueue<int>();
        var outcomes = await new DagScheduler(2).RunAsync(new Dag(dependencies), (node, _) =>
        {
            order.Enqueue(node);
            return ValueTask.FromResult(TaskOutcome.Success);
        });

        Assert.Equal(width * depth, order.Count);
        var position = order.Select((node, index) => (node, index)).ToDictionary(p => p.node, p => p.index);
        for (var node = 0; node < dependencies.Length; node++)
        {
            Assert.All(dependencies[node], d => Assert.True(position[d] < position[node]));
        }

        Assert.All(outcomes, o => Assert.Equal(TaskState.Succeeded, o.State));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
