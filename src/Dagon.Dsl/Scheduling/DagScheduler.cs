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

    public Task<TaskOutcome[]> RunAsync(Dag graph, RunNode runNode, Action<int, TaskOutcome>? onFinished = null,
        CancellationToken cancellationToken = default) =>
        new Coordinator(this, graph, runNode, onFinished, cancellationToken).RunAsync();

    private string Describe(int node) => nodeName?.Invoke(node) ?? $"#{node}";

    /// <summary>The state of one scheduling pass, owned by its single loop.</summary>
    private sealed class Coordinator
    {
        private readonly DagScheduler _scheduler;
        private readonly Dag _graph;
        private readonly RunNode _runNode;
        private readonly Action<int, TaskOutcome>? _onFinished;
        private readonly CancellationToken _cancellationToken;
        private readonly TaskOutcome?[] _outcomes;
        private readonly int[] _remaining;
        private readonly Queue<int> _ready = new();
        private readonly Channel<(int Node, TaskOutcome Outcome)> _completions =
            Channel.CreateUnbounded<(int, TaskOutcome)>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
        private int _running;

        public Coordinator(DagScheduler scheduler, Dag graph, RunNode runNode, Action<int, TaskOutcome>? onFinished, CancellationToken cancellationToken)
        {
            (_scheduler, _graph, _runNode, _onFinished, _cancellationToken) = (scheduler, graph, runNode, onFinished, cancellationToken);
            _outcomes = new TaskOutcome?[graph.Count];
            _remaining = new int[graph.Count];
            for (var i = 0; i < graph.Count; i++)
            {
                _remaining[i] = graph.Dependencies[i].Length;
                if (_remaining[i] == 0) _ready.Enqueue(i);
            }
        }

        public async Task<TaskOutcome[]> RunAsync()
        {
            while (true)
            {
                while (_running < _scheduler.MaxParallelism && _ready.Count > 0 && !_cancellationToken.IsCancellationRequested)
                {
                    _running++;
                    _ = RunOneAsync(_ready.Dequeue());
                }

                if (_running == 0) break;
                var (node, outcome) = await _completions.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                _running--;
                Completed(node, outcome);
            }

            for (var i = 0; i < _outcomes.Length; i++)
            {
                if (_outcomes[i] is null)
                {
                    Finish(i, _cancellationToken.IsCancellationRequested
                        ? TaskOutcome.Cancelled("not started: the run was cancelled")
                        : TaskOutcome.Skipped("not started: its dependencies never completed"));
                }
            }

            return _outcomes!;
        }

        private void Completed(int node, TaskOutcome outcome)
        {
            Finish(node, outcome);
            if (outcome.State == TaskState.Succeeded)
            {
                foreach (var dependent in _graph.Dependents[node])
                {
                    if (--_remaining[dependent] == 0 && _outcomes[dependent] is null) _ready.Enqueue(dependent);
                }
            }
            else
            {
                SkipDownstream(node, outcome.State == TaskState.Cancelled
                    ? TaskOutcome.Cancelled("not started: the run was cancelled")
                    : TaskOutcome.Skipped($"not run: upstream task '{_scheduler.Describe(node)}' {(outcome.State == TaskState.Failed ? "failed" : "did not succeed")}"));
            }
        }

        private void Finish(int node, TaskOutcome outcome)
        {
            _outcomes[node] = outcome;
            _onFinished?.Invoke(node, outcome);
        }

        private void SkipDownstream(int failed, TaskOutcome template)
        {
            var stack = new Stack<int>(_graph.Dependents[failed]);
            while (stack.Count > 0)
            {
                var node = stack.Pop();
                if (_outcomes[node] is not null) continue;
                Finish(node, template);
                foreach (var next in _graph.Dependents[node]) stack.Push(next);
            }
        }

        private async Task RunOneAsync(int node)
        {
            TaskOutcome outcome;
            try
            {
                outcome = await _runNode(node, _cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_cancellationToken.IsCancellationRequested)
            {
                outcome = TaskOutcome.Cancelled();
            }
            catch (Exception exception)
            {
                outcome = TaskOutcome.Failed(exception.Message);
            }

            _completions.Writer.TryWrite((node, outcome));
        }
    }
}
