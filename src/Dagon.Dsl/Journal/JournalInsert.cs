using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Dagon.Scheduling;
using SQLitePCL;

namespace Dagon.Journal;

/// <summary>
/// The journal's one insert, prepared once and bound through SQLite's own calls. A run records every task it
/// runs, and per execution an ADO.NET command costs more than SQLite's insert itself (a binder object per
/// parameter, a data reader, the text of each value encoded into a new array); here each value is encoded into
/// one reused buffer, which SQLite copies when it is bound.
/// </summary>
internal sealed class JournalInsert : IDisposable
{
    private const string Sql = """
        INSERT INTO task_runs (key, run_id, task, state, exit_code, started, ended, host, workspace, attempts, outputs, failure)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
        """;

    /// <summary>What <see cref="JsonSerializer"/> writes for an empty list, the common case, without serializing it per task.</summary>
    private const string NoOutputs = "[]";

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private byte[] _utf8 = new byte[512];

    public JournalInsert(SqliteConnection connection)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The journal's connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, Sql, out _statement));
    }

    /// <summary>Inserts one record, inside the transaction the caller holds on the same connection.</summary>
    public void Insert(TaskRecord record)
    {
        try
        {
            Text(1, Required(record.Key, "key"));
            Text(2, Required(record.RunId, "run id"));
            Text(3, Required(record.Task, "task"));
            Text(4, Required(record.State, "state"));
            Check(record.ExitCode is { } code ? raw.sqlite3_bind_int(_statement, 5, code) : raw.sqlite3_bind_null(_statement, 5));
            Time(6, record.Started);
            Time(7, record.Ended);
            Check(record.Host is { } host ? Text(8, host) : raw.sqlite3_bind_null(_statement, 8));
            Text(9, Required(record.Workspace, "workspace"));
            Check(raw.sqlite3_bind_int(_statement, 10, record.Attempts));
            Text(11, record.Outputs.Count == 0 ? NoOutputs : JsonSerializer.Serialize(record.Outputs));
            Check(record.Failure is { } failure ? Text(12, failure.Name()) : raw.sqlite3_bind_null(_statement, 12));
            var done = raw.sqlite3_step(_statement);
            if (done != raw.SQLITE_DONE) Check(done);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
            raw.sqlite3_clear_bindings(_statement);
        }
    }

    /// <summary>A record without one of these is a bug: the whole group it came in is rolled back.</summary>
    private static string Required(string? value, string what) =>
        value ?? throw new InvalidOperationException($"A journal record has no {what}");

    /// <summary>The round-trip format ("O") the journal has always stored, formatted without a string.</summary>
    private void Time(int index, DateTimeOffset time)
    {
        Span<char> text = stackalloc char[64];
        if (!time.TryFormat(text, out var length, "O", CultureInfo.InvariantCulture)) throw new FormatException($"Cannot format {time}");
        Text(index, text[..length]);
    }

    private int Text(int index, ReadOnlySpan<char> value)
    {
        var needed = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_utf8.Length < needed) _utf8 = new byte[Math.Max(needed, _utf8.Length * 2)];
        var length = Encoding.UTF8.GetBytes(value, _utf8);
        var bound = raw.sqlite3_bind_text(_statement, index, _utf8.AsSpan(0, length));
        Check(bound);
        return bound;
    }

    private void Check(int code)
    {
        if (code != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(code, _db);
    }

    public void Dispose() => _statement.Dispose();
}
