using System.Threading.Channels;
using Dagon.Rules;

namespace Dagon.Scheduling;

/// <summary>Runs a <see cref="Dag"/>: each node starts as soon as its dependencies succeeded, at most N at once.</summary>
/// <remarks>
/// One coordinator loop owns all state and is woken only by completions (a channel), so there is no polling, no
/// locking and O(1) work per finished task. A failed node marks everything downstream of it skipped; independent
/// branches keep running. Cancellation stops new starts; running nodes get the token and are awaited.
/// </remarks>
internal sealed class DagScheduler(int maxParallelism, Func<int, string>? nodeName = null)
{
    public int MaxParallelism { get; } = maxParallelism > 0 ? maxParallelism : Environment.ProcessorCount;

    public delegate ValueTask<TaskOutcome> RunNode(int node, CancellationToken cancellationToken);

    public async Task<TaskOutcome[]> RunAsync(Dag graph, RunNode runNode,
        Action<int, TaskOutcome>? onFinished = null, CancellationToken cancellationToken = default)
    {
        var count = graph.Count;
        var outcomes = new TaskOutcome?[count];
        var remaining = new int[count];
        var ready = new Queue<int>();
        for (var i = 0; i < count; i++)
        {
            remaining[i] = graph.Dependencies[i].Length;
            if (remaining[i] == 0) ready.Enqueue(i);
        }

        var completions = Channel.CreateUnbounded<(int Node, TaskOutcome Outcome)>(
            new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
        var running = 0;

        while (true)
        {
            while (running < MaxParallelism && ready.Count > 0 && !cancellationToken.IsCancellationRequested)
            {
                running++;
                _ = RunOneAsync(ready.Dequeue(), runNode, completions.Writer, cancellationToken);
            }

            if (running == 0) break;

            var (node, outcome) = await completions.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            running--;
            Finish(node, outcome);

            if (outcome.State == TaskState.Succeeded)
            {
                foreach (var dependent in graph.Dependents[node])
                {
                    if (--remaining[dependent] == 0 && outcomes[dependent] is null) ready.Enqueue(dependent);
                }
            }
            else
            {
                SkipDownstream(node, outcome.State == TaskState.Cancelled
                    ? TaskOutcome.Cancelled("not started: the run was cancelled")
                    : TaskOutcome.Skipped($"not run: upstream task '{Describe(node)}' {(outcome.State == TaskState.Failed ? "failed" : "did not succeed")}"));
            }
        }

        for (var i = 0; i < count; i++)
        {
            if (outcomes[i] is null)
            {
                Finish(i, cancellationToken.IsCancellationRequested
                    ? TaskOutcome.Cancelled("not started: the run was cancelled")
                    : TaskOutcome.Skipped("not started: its dependencies never completed"));
            }
        }

        return outcomes!;

        void Finish(int node, TaskOutcome outcome)
        {
            outcomes[node] = outcome;
            onFinished?.Invoke(node, outcome);
        }

        void SkipDownstream(int failed, TaskOutcome template)
        {
            var stack = new Stack<int>(graph.Dependents[failed]);
            while (stack.Count > 0)
            {
                var node = stack.Pop();
                if (outcomes[node] is not null) continue;
                Finish(node, template);
                foreach (var next in graph.Dependents[node]) stack.Push(next);
            }
        }
    }

    private string Describe(int node) => nodeName?.Invoke(node) ?? $"#{node}";

    private static async Task RunOneAsync(int node, RunNode runNode, ChannelWriter<(int, TaskOutcome)> completions,
        CancellationToken cancellationToken)
    {
        TaskOutcome outcome;
        try
        {
            outcome = await runNode(node, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = TaskOutcome.Cancelled();
        }
        catch (Exception exception)
        {
            outcome = TaskOutcome.Failed(exception.Message);
        }

        completions.TryWrite((node, outcome));
    }
}
