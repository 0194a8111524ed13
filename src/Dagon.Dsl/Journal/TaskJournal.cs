using System.Text.Json;
using Dagon.Scheduling;
using Microsoft.Data.Sqlite;

namespace Dagon.Journal;

/// <summary>
/// The journal of a state folder: an SQLite database in WAL mode, so that two runs sharing the folder read while
/// the other writes, and a busy timeout, so that their writes wait for each other instead of failing. Every call of
/// <see cref="Record(IReadOnlyList{TaskRecord})"/> is one transaction: a run killed at any point leaves every record
/// it committed and none half-written (a run groups the records of tasks that end close together, see
/// <see cref="JournalWriter"/>). Opening it upgrades a journal an earlier version wrote (<see cref="JournalSchema"/>).
/// </summary>
public sealed partial class TaskJournal : IDisposable
{
    /// <summary>The columns every read returns, in the order <see cref="Read"/> takes them.</summary>
    private const string Columns = "key, run_id, task, state, exit_code, started, ended, host, workspace, attempts, outputs, failure";

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();
    private JournalInsert? _insert;

    public TaskJournal(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 60,
            Pooling = false,
        }.ToString());
        try
        {
            _connection.Open();
            Execute("PRAGMA busy_timeout = 60000;");
            Execute("PRAGMA journal_mode = WAL;");
            Execute("PRAGMA synchronous = NORMAL;");
            // Immediate: the write lock is taken before the schema is read, so two engines never both upgrade it.
            using var transaction = _connection.BeginTransaction(deferred: false);
            JournalSchema.Upgrade(_connection, transaction, path);
            transaction.Commit();
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    public void Record(TaskRecord record) => Record([record]);

    /// <summary>
    /// Records several tasks in ONE transaction (all or none of them): a group commit writes the journal's pages
    /// once for the tasks that finished close together.
    /// </summary>
    public void Record(IReadOnlyList<TaskRecord> records)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            var insert = _insert ??= new JournalInsert(_connection);
            foreach (var record in records) insert.Insert(record);
            transaction.Commit();
        }
    }

    /// <summary>The latest successful records of <paramref name="key"/>, newest first.</summary>
    public IReadOnlyList<TaskRecord> Successes(string key)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM task_runs WHERE key = $key AND state = 'succeeded' ORDER BY id DESC LIMIT 5";
            command.Parameters.AddWithValue("$key", key);
            using var reader = command.ExecuteReader();
            var records = new List<TaskRecord>();
            while (reader.Read()) records.Add(Read(reader));
            return records;
        }
    }

    /// <summary>SQLite's own check of the database file: "ok" when nothing is corrupt.</summary>
    public string IntegrityCheck()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "PRAGMA integrity_check";
            return command.ExecuteScalar() as string ?? "";
        }
    }

    /// <summary>Every record, oldest first (for tests and <c>dagon clean</c>).</summary>
    public IReadOnlyList<TaskRecord> All()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM task_runs ORDER BY id";
            using var reader = command.ExecuteReader();
            var records = new List<TaskRecord>();
            while (reader.Read()) records.Add(Read(reader));
            return records;
        }
    }

    private static TaskRecord Read(SqliteDataReader reader) => new()
    {
        Key = reader.GetString(0),
        RunId = reader.GetString(1),
        Task = reader.GetString(2),
        State = reader.GetString(3),
        ExitCode = reader.IsDBNull(4) ? null : reader.GetInt32(4),
        Started = DateTimeOffset.Parse(reader.GetString(5), System.Globalization.CultureInfo.InvariantCulture),
        Ended = DateTimeOffset.Parse(reader.GetString(6), System.Globalization.CultureInfo.InvariantCulture),
        Host = reader.IsDBNull(7) ? null : reader.GetString(7),
        Workspace = reader.GetString(8),
        Attempts = reader.GetInt32(9),
        Outputs = JsonSerializer.Deserialize<List<RecordedOutput>>(reader.GetString(10)) ?? [],
        // Null in records from before kinds were kept; a name this version does not know is still a failure.
        Failure = reader.IsDBNull(11) ? null : FailureKinds.FromName(reader.GetString(11)) ?? FailureKind.Other,
    };

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _insert?.Dispose();
        _connection.Dispose();
    }
}
