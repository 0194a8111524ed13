using System.Diagnostics;
using Dagon.Execution;
using Dagon.Journal;
using Dagon.Model;
using Dagon.Observing;
using Dagon.Reporting;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dagon.Running;

/// <summary>
/// Runs workflows end to end: plans the graph, has the executor prepare everything that can fail early, schedules
/// the tasks, stages their inputs, and cleans up. It knows nothing about containers, places or launchers.
/// </summary>
public sealed class WorkflowRunner(
    ITaskExecutor executor,
    InputStager stager,
    IOptions<DagonOptions> options,
    ILoggerFactory loggerFactory,
    IEnumerable<IRunObserver>? observers = null)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Dagon.Workflow");
    private RunObservers? _observers;

    private RunObservers Observers => _observers ??= new RunObservers(observers, (observer, exception) =>
        _logger.LogWarning("{Observer} failed: {Reason}", observer.GetType().Name, exception.Message));

    public Task<RunResult> RunAsync(WorkflowDefinition workflow, CancellationToken cancellationToken = default) =>
        RunAsync([workflow], cancellationToken);

    /// <summary>Runs one or more workflows as one DAG (tasks may reference each other's workflows).</summary>
    /// <exception cref="WorkflowValidationException">The workflows cannot run together; nothing was started.</exception>
    public Task<RunResult> RunAsync(IReadOnlyList<WorkflowDefinition> workflows, CancellationToken cancellationToken = default) =>
        RunAsync(ExecutionPlan.Create(workflows, options.Value.Image), cancellationToken);

    /// <summary>Runs a plan made beforehand, e.g. the sub-plan of the tasks the command line selected.</summary>
    public async Task<RunResult> RunAsync(ExecutionPlan plan, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var settings = options.Value;
        if (settings.JsonPath is { Length: > 0 } json) CheckWritable(json, "json");
        if (settings.TracePath is { Length: > 0 } trace) CheckWritable(trace, "trace");
        if (settings.ReportPath is { Length: > 0 } report) CheckWritable(report, "report");
        CheckRetryChoice(settings);
        Observers.RunStarted(new RunStart(plan, settings, DateTimeOffset.UtcNow));
        _logger.LogInformation("Starting workflow {Workflow}: {Count} tasks, run {RunId}, up to {Parallelism} at once",
            string.Join(", ", plan.Workflows.Select(w => w.Name)), plan.Tasks.Count, plan.RunId, settings.EffectiveParallelism);

        Preparation preparation;
        try
        {
            preparation = await executor.PrepareAsync(plan, settings, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Nothing of the run's state survives a cancelled preparation but what the executor made on disk.
            var empty = new RunState(plan, settings);
            var cancelledResult = Result(empty, plan.Tasks.Select(_ => TaskOutcome.Cancelled("not started: the run was cancelled")).ToArray(), stopwatch, cancelled: true);
            Observers.RunFinished(cancelledResult);
            return cancelledResult;
        }

        var run = preparation.Run;
        if (preparation.SetupError is not null || preparation.Failures.Count > 0)
        {
            return await FinishAsync(run, NotStarted(preparation), stopwatch, SetupError(preparation)).ConfigureAwait(false);
        }

        using var recorder = new RunRecorder(run, _logger);
        var cleanup = new EagerCleanup(plan, task => executor.CleanupAsync(task, run, CancellationToken.None), _logger);
        // Slurm jobs wait in the cluster, not on this machine's cores: they get their own slots (see DagScheduler).
        var scheduler = new DagScheduler(settings.EffectiveParallelism, i => plan.Tasks[i].DisplayName,
            i => run.Schedulers[i] == Scheduler.Slurm ? 1 : 0, [settings.EffectiveParallelism, run.Slurm?.MaxJobsInFlight ?? 1]);
        var finished = await scheduler.RunAsync(
            plan.Graph,
            (index, token) => RunTaskAsync(plan.Tasks[index], run, recorder, token),
            (index, outcome) =>
            {
                Report(plan.Tasks[index], outcome, run.Timings[index]);
                Observers.TaskFinished(plan.Tasks[index], HostOf(run, index), outcome, run.Timings[index]);
                cleanup.Finished(index, outcome.State == TaskState.Succeeded);
            },
            cancellationToken).ConfigureAwait(false);
        await cleanup.DrainAsync().ConfigureAwait(false);
        return await FinishAsync(run, finished, stopwatch, cancelled: cancellationToken.IsCancellationRequested, cleanedUp: cleanup.Done, recorder: recorder)
            .ConfigureAwait(false);
    }

    /// <summary>A <c>retry_on</c> that names nothing known stops the run before anything runs, not at the first failure.</summary>
    private static void CheckRetryChoice(DagonOptions settings)
    {
        try
        {
            settings.RetryChoice();
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidRunSettingException(exception.Message);
        }
    }

    /// <summary>An output file is checked before anything runs: a run's summary must not be lost after hours of work.</summary>
    private static void CheckWritable(string path, string setting)
    {
        var full = Path.GetFullPath(path);
        try
        {
            if (Directory.Exists(full)) throw new IOException("it is a folder");
            var existed = File.Exists(full);
            using (new FileStream(full, FileMode.Append, FileAccess.Write)) { }
            if (!existed) File.Delete(full);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRunSettingException($"Cannot write the output file {full} ([dagon] {setting}, --{setting}): {exception.Message}");
        }
    }

    private TaskOutcome[] NotStarted(Preparation preparation)
    {
        var outcomes = new TaskOutcome?[preparation.Run.Plan.Tasks.Count];
        foreach (var failure in preparation.Failures.Where(f => f.Place is null))
        {
            _logger.LogError("Task {Task} cannot run: {Reason}", failure.Task.DisplayName, failure.Message);
            outcomes[failure.Task.Index] ??= TaskOutcome.Failed(failure.Message);
        }

        foreach (var place in preparation.Failures.Where(f => f.Place is not null).GroupBy(f => f.Place))
        {
            _logger.LogError("{Place} cannot be used: {Reason}", place.Key, place.First().Message);
            foreach (var failure in place) outcomes[failure.Task.Index] ??= TaskOutcome.Skipped($"not run: {place.Key} cannot be used");
        }

        var reason = preparation.SetupError is { } error
            ? "not started: " + error
            : $"not started: task '{preparation.Failures[0].Task.DisplayName}' could not be prepared";
        if (preparation.SetupError is not null) _logger.LogError("{Error}", preparation.SetupError);
        return outcomes.Select(o => o ?? TaskOutcome.Skipped(reason)).ToArray();
    }

    private static string SetupError(Preparation preparation)
    {
        if (preparation.SetupError is { } error) return error;
        var first = preparation.Failures.FirstOrDefault(f => f.Place is null) ?? preparation.Failures[0];
        return first.Place is { } place
            ? $"{char.ToUpperInvariant(place[0])}{place[1..]} cannot be used: {first.Message}"
            : $"Task '{first.Task.DisplayName}' could not be prepared: {first.Message}";
    }

    /// <summary>Reused from the journal (<c>--resume</c>), or run with its retries; then its logs, outputs and record are kept.</summary>
    // ValueTasks down to the executor: a task that ends at once (reused, in-process) allocates no task object on the way.
    private async ValueTask<TaskOutcome> RunTaskAsync(PlannedTask task, RunState run, RunRecorder recorder, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (await recorder.TryReuseAsync(task, cancellationToken).ConfigureAwait(false) is { } reused) return reused;
            var outcome = await recorder.Retries.RunAsync(task, token => RunAttemptAsync(task, run, token), cancellationToken).ConfigureAwait(false);
            return await recorder.FinishAsync(task, outcome, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            run.Timings[task.Index].Total = Stopwatch.GetElapsedTime(started);
        }
    }

    private async ValueTask<TaskOutcome> RunAttemptAsync(PlannedTask task, RunState run, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var timings = run.Timings[task.Index];
        // The clock is read once; the later moments follow from it and the monotonic clock (a read costs, per task).
        var submitted = DateTimeOffset.UtcNow;
        timings.Submitted = submitted;
        Observers.TaskStarted(task, HostOf(run, task.Index), submitted);
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

            timings.Started = submitted + timings.Staging;
            return await executor.RunAsync(new TaskExecution { Task = task, Run = run, Inputs = inputs }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            timings.Total = Stopwatch.GetElapsedTime(started);
            timings.Ended = submitted + timings.Total;
        }
    }

    private static string HostOf(RunState run, int index) => run.Places[index]?.Host ?? TaskAttempt.ThisMachine;

    private void Report(PlannedTask task, TaskOutcome outcome, TaskTimings timings)
    {
        switch (outcome.State)
        {
            case TaskState.Succeeded:
                _logger.LogInformation("[{Task}] Task completed successfully ({Seconds:F2} s)", task.DisplayName, timings.Total.TotalSeconds);
                break;
            case TaskState.Failed:
                _logger.LogError("[{Task}] Task failed: {Reason}{Log}", task.DisplayName, outcome.Reason, timings.LogFile is { } log ? $" (log: {log})" : "");
                foreach (var line in outcome.ErrorTail ?? []) _logger.LogError("[{Task}]   {Line}", task.DisplayName, line);
                break;
            default:
                _logger.LogWarning("[{Task}] Task {State}: {Reason}", task.DisplayName, outcome.State.ToString().ToLowerInvariant(), outcome.Reason);
                break;
        }
    }

    /// <summary>Cleanup runs even when the run was cancelled or failed to prepare: that is when stale overlays would otherwise pile up.</summary>
    private async Task<RunResult> FinishAsync(RunState run, TaskOutcome[] outcomes, Stopwatch stopwatch, string? setupError = null,
        bool cancelled = false, bool[]? cleanedUp = null, RunRecorder? recorder = null)
    {
        // A run that did not succeed keeps the folders of its finished tasks: the next --resume reuses them.
        var kept = recorder is not null && outcomes.Any(o => o.State != TaskState.Succeeded)
            ? run.Plan.Tasks.Where(t => outcomes[t.Index].State == TaskState.Succeeded && cleanedUp?[t.Index] != true).Select(t => t.Index).ToHashSet()
            : [];
        foreach (var task in run.Plan.Tasks)
        {
            if (cleanedUp?[task.Index] == true || kept.Contains(task.Index)) continue;
            try
            {
                await executor.CleanupAsync(task, run, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                _logger.LogWarning("Cleanup of task {Task} failed: {Reason}", task.DisplayName, exception.Message);
            }
        }

        if (kept.Count == 0) await executor.FinishAsync(run, CancellationToken.None).ConfigureAwait(false);
        else _logger.LogInformation("Kept {Count} finished task folder(s) for --resume", kept.Count);
        var result = Result(run, outcomes, stopwatch, setupError, cancelled);
        if (recorder is not null) await KeepJsonAsync(recorder.State.JsonPath, result).ConfigureAwait(false);
        if (options.Value.JsonPath is { Length: > 0 } jsonPath)
        {
            try
            {
                await WorkflowJson.WriteFileAsync(jsonPath, result).ConfigureAwait(false);
                _logger.LogInformation("Workflow JSON written to {Path}", jsonPath);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                _logger.LogError("Could not write the workflow JSON to {Path} ([dagon] json): {Reason}", jsonPath, exception.Message);
            }
        }

        Observers.RunFinished(result);
        return result;
    }

    private async Task KeepJsonAsync(string path, RunResult result)
    {
        try
        {
            await WorkflowJson.WriteFileAsync(path, result).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Could not keep the run's JSON in {Path}: {Reason}", path, exception.Message);
        }
    }

    private static RunResult Result(RunState run, TaskOutcome[] outcomes, Stopwatch stopwatch, string? setupError = null, bool cancelled = false) => new()
    {
        Plan = run.Plan,
        Tasks = run.Plan.Tasks.Select(t => new TaskResult(t, outcomes[t.Index], run.Workspaces[t.Index], run.Timings[t.Index])).ToList(),
        WallTime = stopwatch.Elapsed,
        SetupError = setupError,
        Cancelled = cancelled,
    };
}
