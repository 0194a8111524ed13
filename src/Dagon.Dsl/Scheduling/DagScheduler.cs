using System.Threading.Channels;
using Dagon.Rules;

namespace Dagon.Scheduling;

/// <summary>Runs a <see cref="Dag"/>: each node starts as soon as its dependencies succeeded, at most N at once.</summary>
/// <remarks>
/// One coordinator loop owns all state and is woken only by completions (a channel), so there is no polling, no
/// locking and O(1) work per finished task. A failed node marks everything downstream of it skipped; independent
/// branches keep running. Cancellation stops new starts; running nodes get the token and are awaited.
/// </remarks>
/// <para>
/// Nodes may be split into slot classes, each with its own limit: a task that runs as a Slurm job occupies no core
/// here while it waits in the cluster's queue, so it must not take one of the N local slots (a fan-out of 200 jobs
/// would trickle out N at a time) and is bounded instead by the run's jobs in flight. Class 0 is the local one.
/// </para>
internal sealed class DagScheduler(int maxParallelism, Func<int, string>? nodeName = null, Func<int, int>? slotClass = null,
    IReadOnlyList<int>? classLimits = null)
{
    public int MaxParallelism { get; } = maxParallelism > 0 ? maxParallelism : Environment.ProcessorCount;

    private int ClassOf(int node) => slotClass?.Invoke(node) ?? 0;

    private int LimitOf(int slot) => slot == 0 ? MaxParallelism : Math.Max(1, classLimits![slot]);

    private int ClassCount => classLimits?.Count ?? 1;

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
        private readonly Queue<int>[] _ready;
        private readonly int[] _runningPerClass;
        private readonly Channel<(int Node, TaskOutcome Outcome)> _completions =
            Channel.CreateUnbounded<(int, TaskOutcome)>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
        private int _running;

        public Coordinator(DagScheduler scheduler, Dag graph, RunNode runNode, Action<int, TaskOutcome>? onFinished, CancellationToken cancellationToken)
        {
            (_scheduler, _graph, _runNode, _onFinished, _cancellationToken) = (scheduler, graph, runNode, onFinished, cancellationToken);
            _outcomes = new TaskOutcome?[graph.Count];
            _remaining = new int[graph.Count];
            _ready = new Queue<int>[scheduler.ClassCount];
            for (var c = 0; c < _ready.Length; c++) _ready[c] = new Queue<int>();
            _runningPerClass = new int[_ready.Length];
            for (var i = 0; i < graph.Count; i++)
            {
                _remaining[i] = graph.Dependencies[i].Length;
                if (_remaining[i] == 0) Ready(i);
            }
        }

        public async Task<TaskOutcome[]> RunAsync()
        {
            while (true)
            {
                for (var c = 0; c < _ready.Length; c++)
                {
                    while (_runningPerClass[c] < _scheduler.LimitOf(c) && _ready[c].Count > 0 && !_cancellationToken.IsCancellationRequested)
                    {
                        _running++;
                        _runningPerClass[c]++;
                        _ = RunOneAsync(_ready[c].Dequeue());
                    }
                }

                if (_running == 0) break;
                var (node, outcome) = await _completions.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                _running--;
                _runningPerClass[_scheduler.ClassOf(node)]--;
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
                    if (--_remaining[dependent] == 0 && _outcomes[dependent] is null) Ready(dependent);
                }
            }
            else
            {
                SkipDownstream(node, outcome.State == TaskState.Cancelled
                    ? TaskOutcome.Cancelled("not started: the run was cancelled")
                    : TaskOutcome.Skipped($"not run: upstream task '{_scheduler.Describe(node)}' {(outcome.State == TaskState.Failed ? "failed" : "did not succeed")}"));
            }
        }

        private void Ready(int node) => _ready[_scheduler.ClassOf(node)].Enqueue(node);

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
