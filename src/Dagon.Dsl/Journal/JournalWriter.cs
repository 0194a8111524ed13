namespace Dagon.Journal;

/// <summary>
/// Group commit for a run's records: a task's record is queued when the task ends, and one writer commits every
/// record queued in the last few milliseconds in one transaction. A commit costs about as much for one record as for
/// a hundred, so 10,000 tasks ending together cost far fewer commits than one each. What this gives up: an engine
/// killed outright (SIGKILL, power loss) loses the records of the tasks that ended within that window, and
/// <c>--resume</c> runs those tasks again. Every record is committed before the run ends (<see cref="Dispose"/>),
/// and each commit is whole or absent, never half-written.
/// </summary>
public sealed class JournalWriter : IDisposable
{
    /// <summary>How long a first record waits for others to join its commit: the most a killed engine can lose.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(5);

    private readonly TaskJournal _journal;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _queued = new(0);
    private readonly Task _writer;
    private List<TaskRecord> _pending = [];
    private bool _closing;
    private Exception? _failure;

    public JournalWriter(TaskJournal journal)
    {
        _journal = journal;
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>Queues a record; a commit that failed earlier (the disk is full) is reported here, as the per-task write was.</summary>
    public void Add(TaskRecord record)
    {
        lock (_gate)
        {
            if (_failure is { } failure) throw new IOException($"the journal could not be written: {failure.Message}", failure);
            ObjectDisposedException.ThrowIf(_closing, this);
            _pending.Add(record);
            if (_pending.Count > 1) return;
        }

        _queued.Release();
    }

    private async Task WriteAsync()
    {
        while (true)
        {
            await _queued.WaitAsync().ConfigureAwait(false);
            bool closing;
            lock (_gate) closing = _closing;
            if (!closing) await Task.Delay(Window).ConfigureAwait(false);
            List<TaskRecord> batch;
            lock (_gate)
            {
                (batch, _pending) = (_pending, []);
                closing = _closing;
            }

            Commit(batch);
            if (closing) return;
        }
    }

    private void Commit(List<TaskRecord> batch)
    {
        if (batch.Count == 0) return;
        try
        {
            _journal.Record(batch);
        }
        catch (Exception exception) when (exception is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            lock (_gate) _failure ??= exception;
        }
    }

    /// <summary>Commits what is still queued and stops the writer: after this, every record of the run is in the journal.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closing) return;
            _closing = true;
        }

        _queued.Release();
        _writer.GetAwaiter().GetResult();
        _queued.Dispose();
        if (_failure is { } failure) throw new IOException($"the journal could not be written: {failure.Message}", failure);
    }
}
