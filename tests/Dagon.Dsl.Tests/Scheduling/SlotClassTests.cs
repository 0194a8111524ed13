using Dagon.Rules;
using Dagon.Scheduling;

namespace Dagon.Dsl.Tests.Scheduling;

public class SlotClassTests
{
    /// <summary>
    /// Nodes 0-1 are local (limit 1), nodes 2-9 are Slurm jobs (limit 8). No node finishes until all eight jobs have
    /// started, so the run can only end if the jobs never waited for the single local slot.
    /// </summary>
    [Fact]
    public async Task JobsAreNotLimitedByTheLocalParallelismButByTheirOwnLimit()
    {
        var graph = new Dag(Enumerable.Range(0, 10).Select(_ => Array.Empty<int>()).ToArray());
        var allJobsStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var jobsStarted = 0;
        var localRunning = 0;
        var localPeak = 0;
        var outcomes = await new DagScheduler(1, slotClass: i => i < 2 ? 0 : 1, classLimits: [1, 8]).RunAsync(graph, async (node, _) =>
        {
            if (node >= 2)
            {
                if (Interlocked.Increment(ref jobsStarted) == 8) allJobsStarted.SetResult();
                await allJobsStarted.Task;
                return TaskOutcome.Success;
            }

            var now = Interlocked.Increment(ref localRunning);
            if (now > localPeak) localPeak = now;
            await allJobsStarted.Task;
            Interlocked.Decrement(ref localRunning);
            return TaskOutcome.Success;
        });

        Assert.All(outcomes, o => Assert.Equal(TaskState.Succeeded, o.State));
        Assert.Equal(1, localPeak);
    }

    [Fact]
    public async Task JobsBeyondTheirLimitWaitForAFinishedJob()
    {
        var graph = new Dag(Enumerable.Range(0, 6).Select(_ => Array.Empty<int>()).ToArray());
        var running = 0;
        var peak = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scheduled = new DagScheduler(4, slotClass: _ => 1, classLimits: [4, 2]).RunAsync(graph, async (_, _) =>
        {
            var now = Interlocked.Increment(ref running);
            lock (gate) peak = Math.Max(peak, now);
            if (now == 2) gate.TrySetResult();
            await gate.Task;
            Interlocked.Decrement(ref running);
            return TaskOutcome.Success;
        });

        await scheduled;
        Assert.Equal(2, peak);
    }
}
