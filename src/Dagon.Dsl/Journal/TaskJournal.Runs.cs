namespace Dagon.Journal;

/// <summary>Pruning, for <c>clean</c>: a run's records go together or not at all.</summary>
public sealed partial class TaskJournal
{
    /// <summary>
    /// Deletes every record of <paramref name="runIds"/> in one transaction and returns how many went. Under WAL a
    /// run recording beside it waits (busy timeout) and never sees half the deletion.
    /// </summary>
    public int Forget(IReadOnlyCollection<string> runIds)
    {
        if (runIds.Count == 0) return 0;
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var delete = _connection.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM task_runs WHERE run_id = $run";
            var run = delete.Parameters.Add("$run", Microsoft.Data.Sqlite.SqliteType.Text);
            var deleted = 0;
            foreach (var id in runIds)
            {
                run.Value = id;
                deleted += delete.ExecuteNonQuery();
            }

            transaction.Commit();
            return deleted;
        }
    }
}
