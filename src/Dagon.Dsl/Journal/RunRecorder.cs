using Dagon.Execution;
using Dagon.LocalFiles;
using Dagon.Places;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging;

namespace Dagon.Journal;

/// <summary>
/// What a run keeps beyond its work folders, task by task: before a task, whether <c>--resume</c> can reuse an
/// earlier result; after it, its logs, its declared outputs (a missing one fails it), its published copies, and its
/// record in the journal.
/// </summary>
public sealed class RunRecorder : IDisposable
{
    /// <summary>Marks a run folder whose work folders hold recorded results: the abandoned-run sweep leaves it to <c>--resume</c>.</summary>
    public const string ResumableMark = AbandonedRuns.ResumableMark;

    private readonly RunState _run;
    private readonly TaskJournal? _journal;
    private readonly JournalWriter? _writer;
    private readonly TaskKeys _keys;
    private readonly ILogger _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task> _remoteMarks = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _localMarks = new(StringComparer.Ordinal);

    public RunRecorder(RunState run, ILogger logger)
    {
        _run = run;
        _logger = logger;
        State = new StateFolder(run.Options.ResolveStateDir(), run.RunId);
        OwnerMark.Claim(State.RunFolder);
        if (run.Options.KeepsJournal)
        {
            _journal = new TaskJournal(State.JournalPath);
            _writer = new JournalWriter(_journal);
        }

        _keys = new TaskKeys(run);
        Logs = new TaskLogs(State, logger);
        Retries = new TaskRetries(run, Logs, logger);
    }

    public StateFolder State { get; }

    public TaskLogs Logs { get; }

    public TaskRetries Retries { get; }

    /// <summary>
    /// With a journal, computes the task's key and, with <c>--resume</c>, reuses a recorded success whose outputs are
    /// intact. Without one a key has no use, and is not computed.
    /// </summary>
    public async ValueTask<TaskOutcome?> TryReuseAsync(PlannedTask task, CancellationToken cancellationToken)
    {
        if (_journal is null) return null;
        var key = _keys.Compute(task);
        if (!_run.Options.Resume) return null;
        var place = _run.Places[task.Index];
        foreach (var record in _journal.Successes(key))
        {
            if (record.Host != place.Host) continue;
            // Noted before the check, so a clean that starts meanwhile sees the run as needed.
            LiveRuns.NoteReuse(State.RunFolder, record.RunId);
            var earlier = new TaskWorkspace(record.Workspace);
            if (!await DeclaredOutputs.StillThereAsync(place, earlier.WorkDir, record.Outputs, cancellationToken).ConfigureAwait(false)) continue;
            await DropFreshWorkspaceAsync(task, earlier, cancellationToken).ConfigureAwait(false);
            _keys.Finished(task, record.Outputs);
            _run.Timings[task.Index].ReusedFrom = record.RunId;
            _logger.LogInformation("[{Task}] Reused from run {Run} (unchanged; outputs intact in {Folder})", task.DisplayName, record.RunId, earlier.WorkDir);
            return TaskOutcome.Success;
        }

        return null;
    }

    /// <summary>Keeps the logs, checks and publishes the outputs, records the task; returns the outcome as it stands then.</summary>
    public async ValueTask<TaskOutcome> FinishAsync(PlannedTask task, TaskOutcome outcome, CancellationToken cancellationToken)
    {
        var place = _run.Places[task.Index];
        var workspace = _run.Workspaces[task.Index];
        var stderr = await Logs.KeepAsync(place, task.DisplayName, workspace, 0, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<RecordedOutput> outputs = [];
        if (outcome.State == TaskState.Succeeded && task.Definition.Outputs.Count > 0)
        {
            var found = await DeclaredOutputs.FindAsync(place, task, workspace, cancellationToken).ConfigureAwait(false);
            outputs = found.Outputs;
            if (found.Missing.Count > 0)
            {
                outcome = TaskOutcome.Failed($"declared output{(found.Missing.Count > 1 ? "s" : "")} missing after a successful exit: " +
                                             $"{string.Join(", ", found.Missing)} (in {workspace.WorkDir})", 0);
            }
            else if (await PublishAsync(task, place, workspace, outputs, cancellationToken).ConfigureAwait(false) is { } error)
            {
                outcome = TaskOutcome.Failed(error, 0);
            }
        }

        Record(task, outcome, outputs);
        if (outcome.State == TaskState.Succeeded && place.Host is not null) await MarkRemoteResumableAsync(place, workspace.RunDirectory).ConfigureAwait(false);
        if (outcome.State == TaskState.Succeeded && _journal is not null) _keys.Finished(task, outputs);
        _run.Timings[task.Index].LogFile = stderr;
        return outcome;
    }

    private async Task<string?> PublishAsync(PlannedTask task, IPlace place, TaskWorkspace workspace, IReadOnlyList<RecordedOutput> outputs,
        CancellationToken cancellationToken)
    {
        if ((task.Definition.Publish ?? _run.Options.PublishDir) is not { Length: > 0 } folder) return null;
        try
        {
            var published = await OutputPublisher.PublishAsync(place, workspace, outputs, folder, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("[{Task}] Published {Count} output(s) to {Folder}", task.DisplayName, published.Count, Path.GetFullPath(folder));
            return null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or PlaceUnavailableException)
        {
            return $"publishing the outputs to {Path.GetFullPath(folder)} failed: {exception.Message}";
        }
    }

    private void Record(PlannedTask task, TaskOutcome outcome, IReadOnlyList<RecordedOutput> outputs)
    {
        if (_writer is null) return; // no journal (the benchmark's engine-only run): no key to compute, nothing to keep
        var place = _run.Places[task.Index];
        var workspace = _run.Workspaces[task.Index];
        var ended = DateTimeOffset.UtcNow;
        var record = new TaskRecord
        {
            Key = _keys.KeyOf(task) ?? _keys.Compute(task),
            RunId = _run.RunId,
            Task = task.DisplayName,
            State = outcome.State.ToString().ToLowerInvariant(),
            ExitCode = outcome.ExitCode,
            Started = ended - _run.Timings[task.Index].Total,
            Ended = ended,
            Host = place.Host,
            Workspace = workspace.Root,
            Attempts = Math.Max(1, _run.Timings[task.Index].Attempts),
            Failure = outcome.State == TaskState.Failed ? outcome.Failure ?? FailureKind.Other : null,
            Outputs = outputs,
        };
        _writer.Add(record);
        if (outcome.State == TaskState.Succeeded && place.Host is null) MarkResumable(workspace.RunDirectory);
    }

    /// <summary>
    /// A local run folder gets its <c>.resumable</c> mark with its first recorded success; the later ones find the
    /// folder noted here instead of asking the file system again for every task.
    /// </summary>
    private void MarkResumable(string runFolder)
    {
        if (!_localMarks.TryAdd(runFolder, true) || !Directory.Exists(runFolder)) return;
        var mark = Path.Combine(runFolder, ResumableMark);
        if (!File.Exists(mark)) File.WriteAllText(mark, "");
    }

    /// <summary>
    /// The remote run folder gets the same <c>.resumable</c> mark as a local one, once per run, so that the next run to
    /// the host does not take a kept folder for abandoned (<see cref="AbandonedRemoteRuns"/>).
    /// </summary>
    private Task MarkRemoteResumableAsync(IPlace place, string runFolder) =>
        _remoteMarks.GetOrAdd(place.Host + "\0" + runFolder, async _ =>
        {
            try
            {
                await place.WriteTextAsync(runFolder + "/" + ResumableMark, "", CancellationToken.None).ConfigureAwait(false);
            }
            catch (PlaceUnavailableException exception)
            {
                _logger.LogWarning("Could not mark {Folder} on {Place} as kept for --resume: {Reason}", runFolder, place.Description, exception.Message);
            }
        });

    /// <summary>The folder preparation made for this run is not needed: the task's earlier folder is used in place.</summary>
    private async Task DropFreshWorkspaceAsync(PlannedTask task, TaskWorkspace earlier, CancellationToken cancellationToken)
    {
        var fresh = _run.Workspaces[task.Index];
        if (_run.Overlays[task.Index] is { } overlay)
        {
            try { await overlay.ConfigureAwait(false); } catch (Exception) { /* the folder goes anyway */ }
        }

        _run.Workspaces[task.Index] = earlier;
        if (fresh.Root == earlier.Root) return;
        try
        {
            await _run.Places[task.Index].RemoveTreeAsync(fresh.Root, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or PlaceUnavailableException)
        {
            _logger.LogWarning("Could not remove the unused work folder {Folder}: {Reason}", fresh.Root, exception.Message);
        }
    }

    /// <summary>Commits the records still queued (see <see cref="JournalWriter"/>), closes the journal, then ends the run's live mark.</summary>
    public void Dispose()
    {
        try
        {
            _writer?.Dispose();
        }
        catch (IOException exception)
        {
            _logger.LogError("{Reason}; --resume will run the tasks of this run again", exception.Message);
        }
        finally
        {
            _journal?.Dispose();
            OwnerMark.Release(State.RunFolder);
        }
    }
}
