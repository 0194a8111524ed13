using System.Threading.Channels;
using Dagon.Scheduling;
using Microsoft.Extensions.Logging;

namespace Dagon.Running;

/// <summary>
/// Cleans a task's workspace as soon as the task and every task reading its files have finished, on a background
/// worker, so that cleanup overlaps with the rest of the run and large runs do not hold every work directory
/// until the end. One worker and a queue, rather than a task per workspace, keeps memory flat at a million tasks.
/// </summary>
internal sealed class EagerCleanup
{
    private readonly ExecutionPlan _plan;
    private readonly int[] _pendingReaders;
    private readonly bool[] _finished;
    private readonly Channel<PlannedTask> _queue = Channel.CreateUnbounded<PlannedTask>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task _worker;

    public EagerCleanup(ExecutionPlan plan, Func<PlannedTask, Task> clean, ILogger logger)
    {
        _plan = plan;
        _pendingReaders = new int[plan.Tasks.Count];
        foreach (var task in plan.Tasks) _pendingReaders[task.Index] = task.Dependents.Count;
        _finished = new bool[plan.Tasks.Count];
        Done = new bool[plan.Tasks.Count];
        _worker = Task.Run(async () =>
        {
            await foreach (var task in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                try
                {
                    await clean(task).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    logger.LogWarning("Cleanup of task {Task} failed: {Reason}", task.DisplayName, exception.Message);
                }
            }
        });
    }

    public bool[] Done { get; }

    /// <summary>
    /// Called by the scheduler's single coordinator, so no locking is needed. A reader that did not succeed (failed,
    /// cancelled, never started) still needs its producers' files: the run will not succeed, and <c>--resume</c>
    /// reuses them where they are, so they wait for the run's end, which keeps them.
    /// </summary>
    public void Finished(int index, bool succeeded)
    {
        _finished[index] = true;
        TryClean(index);
        if (!succeeded) return;
        foreach (var producer in _plan.Tasks[index].Dependencies)
        {
            _pendingReaders[producer.Index]--;
            TryClean(producer.Index);
        }
    }

    public Task DrainAsync()
    {
        _queue.Writer.TryComplete();
        return _worker;
    }

    private void TryClean(int index)
    {
        if (Done[index] || !_finished[index] || _pendingReaders[index] > 0) return;
        Done[index] = true;
        _queue.Writer.TryWrite(_plan.Tasks[index]);
    }
}
