using System.Diagnostics;
using System.Threading.Channels;
using Dagon.Execution;
using Dagon.Execution.Apptainer;
using Dagon.Model;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dagon.Hosting;

/// <summary>
/// Runs workflows end to end: plans the graph, gives each task to a backend, prepares everything that can fail
/// early, schedules the tasks, stages their inputs, and cleans up. Backends are whatever is registered as
/// <see cref="ITaskBackend"/>; the runner knows nothing about containers or hosts.
/// </summary>
public sealed class WorkflowRunner(
    IEnumerable<ITaskBackend> backends,
    InputStager stager,
    IOptions<DagonOptions> options,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Dagon.Workflow");
    private readonly IReadOnlyList<ITaskBackend> _backends = backends.ToList();

    public Task<RunResult> RunAsync(WorkflowDefinition workflow, CancellationToken cancellationToken = default) =>
        RunAsync([workflow], cancellationToken);

    /// <summary>Runs one or more workflows as one DAG (tasks may reference each other's workflows).</summary>
    /// <exception cref="WorkflowValidationException">The workflows cannot run together; nothing was started.</exception>
    public async Task<RunResult> RunAsync(IReadOnlyList<WorkflowDefinition> workflows, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var settings = options.Value;
        var plan = ExecutionPlan.Create(workflows, settings.Image);
        var run = new RunContext(plan, settings, loggerFactory);
        var outcomes = new TaskOutcome?[plan.Tasks.Count];

        var assigned = new ITaskBackend[plan.Tasks.Count];
        foreach (var task in plan.Tasks)
        {
            var backend = _backends.FirstOrDefault(b => b.CanRun(task));
            if (backend is null)
            {
                var where = task.Definition.Host is null ? "on this machine" : $"on host '{task.Definition.Host}'";
                return SetupFailed(plan, run, stopwatch, $"No backend can run task '{task.DisplayName}' ({task.Definition.Kind} {where}); " +
                                                         "is the backend for that host registered and configured?");
            }

            assigned[task.Index] = backend;
            run.Workspaces[task.Index] = backend.PlanWorkspace(task, run);
        }

        _logger.LogInformation("Starting workflow {Workflow}: {Count} tasks, run {RunId}, up to {Parallelism} at once",
            string.Join(", ", workflows.Select(w => w.Name)), plan.Tasks.Count, plan.RunId, settings.EffectiveParallelism);

        try
        {
            var failures = new List<PreparationFailure>();
            foreach (var group in plan.Tasks.GroupBy(t => assigned[t.Index]))
            {
                failures.AddRange(await group.Key.PrepareAsync(group.ToList(), run, cancellationToken).ConfigureAwait(false));
            }

            if (failures.Count > 0)
            {
                foreach (var failure in failures)
                {
                    _logger.LogError("Task {Task} cannot run: {Reason}", failure.Task.DisplayName, failure.Message);
                    outcomes[failure.Task.Index] ??= TaskOutcome.Failed(failure.Message);
                }

                var first = failures[0];
                for (var i = 0; i < outcomes.Length; i++)
                {
                    outcomes[i] ??= TaskOutcome.Skipped($"not started: task '{first.Task.DisplayName}' could not be prepared");
                }

                return await FinishAsync(plan, run, assigned, outcomes!, stopwatch, setupError:
                    $"Task '{first.Task.DisplayName}' could not be prepared: {first.Message}").ConfigureAwait(false);
            }
        }
        catch (ApptainerNotFoundException exception)
        {
            return SetupFailed(plan, run, stopwatch, exception.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            for (var i = 0; i < outcomes.Length; i++) outcomes[i] = TaskOutcome.Cancelled("not started: the run was cancelled");
            return await FinishAsync(plan, run, assigned, outcomes!, stopwatch, cancelled: true).ConfigureAwait(false);
        }

        var cleanup = new EagerCleanup(plan, task => assigned[task.Index].CleanupAsync(task, run, CancellationToken.None), _logger);
        var scheduler = new DagScheduler(settings.EffectiveParallelism, i => plan.Tasks[i].DisplayName);
        var finished = await scheduler.RunAsync(
            plan.Graph,
            (index, token) => new ValueTask<TaskOutcome>(RunTaskAsync(plan.Tasks[index], assigned[index], run, token)),
            (index, outcome) =>
            {
                Report(plan.Tasks[index], outcome, run.Timings[index]);
                cleanup.Finished(index);
            },
            cancellationToken).ConfigureAwait(false);
        await cleanup.DrainAsync().ConfigureAwait(false);

        return await FinishAsync(plan, run, assigned, finished, stopwatch, cancelled: cancellationToken.IsCancellationRequested,
            cleanedUp: cleanup.Done).ConfigureAwait(false);
    }

    private async Task<TaskOutcome> RunTaskAsync(PlannedTask task, ITaskBackend backend, RunContext run, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var timings = run.Timings[task.Index];
        try
        {
            IReadOnlyList<StagedInput> inputs;
            try
            {
                inputs = await stager.StageAsync(task, run, cancellationToken).ConfigureAwait(false);
                timings.Staging = Stopwatch.GetElapsedTime(started);
            }
            catch (StagingException exception)
            {
                return TaskOutcome.Failed(exception.Message);
            }

            return await backend.RunAsync(new TaskExecution
            {
                Task = task,
                Run = run,
                Workspace = run.Workspaces[task.Index],
                Inputs = inputs,
                Timings = timings,
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            timings.Total = Stopwatch.GetElapsedTime(started);
        }
    }

    /// <summary>
    /// Cleans a task's workspace as soon as the task and every task reading its files have finished, on a background
    /// worker, so that cleanup overlaps with the rest of the run and large runs do not hold every work directory
    /// until the end. One worker and a queue, rather than a task per workspace, keeps memory flat at a million tasks.
    /// </summary>
    private sealed class EagerCleanup
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

        /// <summary>Called by the scheduler's single coordinator, so no locking is needed.</summary>
        public void Finished(int index)
        {
            _finished[index] = true;
            TryClean(index);
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

    private void Report(PlannedTask task, TaskOutcome outcome, TaskTimings timings)
    {
        switch (outcome.State)
        {
            case TaskState.Succeeded:
                _logger.LogInformation("[{Task}] Task completed successfully ({Seconds:F2} s)", task.DisplayName, timings.Total.TotalSeconds);
                break;
            case TaskState.Failed:
                _logger.LogError("[{Task}] Task failed: {Reason}", task.DisplayName, outcome.Reason);
                foreach (var line in outcome.ErrorTail ?? []) _logger.LogError("[{Task}]   {Line}", task.DisplayName, line);
                break;
            default:
                _logger.LogWarning("[{Task}] Task {State}: {Reason}", task.DisplayName, outcome.State.ToString().ToLowerInvariant(), outcome.Reason);
                break;
        }
    }

    private RunResult SetupFailed(ExecutionPlan plan, RunContext run, Stopwatch stopwatch, string error)
    {
        _logger.LogError("{Error}", error);
        return new RunResult
        {
            Plan = plan,
            Tasks = plan.Tasks.Select(t => new TaskResult(t, TaskOutcome.Skipped("not started: " + error), run.Workspaces[t.Index], run.Timings[t.Index])).ToList(),
            WallTime = stopwatch.Elapsed,
            SetupError = error,
        };
    }

    private async Task<RunResult> FinishAsync(ExecutionPlan plan, RunContext run, ITaskBackend[] assigned, TaskOutcome[] outcomes,
        Stopwatch stopwatch, string? setupError = null, bool cancelled = false, bool[]? cleanedUp = null)
    {
        // Cleanup runs even when the run was cancelled: that is when stale overlays would otherwise pile up.
        foreach (var task in plan.Tasks)
        {
            if (cleanedUp?[task.Index] == true) continue;
            try
            {
                await assigned[task.Index].CleanupAsync(task, run, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                _logger.LogWarning("Cleanup of task {Task} failed: {Reason}", task.DisplayName, exception.Message);
            }
        }

        var result = new RunResult
        {
            Plan = plan,
            Tasks = plan.Tasks.Select(t => new TaskResult(t, outcomes[t.Index], run.Workspaces[t.Index], run.Timings[t.Index])).ToList(),
            WallTime = stopwatch.Elapsed,
            SetupError = setupError,
            Cancelled = cancelled,
        };

        if (options.Value.JsonPath is { Length: > 0 } jsonPath)
        {
            await File.WriteAllTextAsync(jsonPath, Reporting.WorkflowJson.Export(result), CancellationToken.None).ConfigureAwait(false);
            _logger.LogInformation("Workflow JSON written to {Path}", jsonPath);
        }

        return result;
    }
}
