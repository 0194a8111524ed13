using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Dagon.Journal;

/// <summary>
/// The journal's table, and the upgrade of a journal an earlier version wrote. A state folder outlives the engine that
/// made it, so a newer engine must open an older <c>journal.db</c> and keep every record (<c>--resume</c> and
/// <c>runs</c> read them). Versions are counted in SQLite's <c>user_version</c>; each upgrade step only adds, so an
/// older engine still writes into an upgraded journal (its inserts name their columns, and a new column stays null).
/// </summary>
internal static class JournalSchema
{
    /// <summary>1: the first journal. 2: <c>failure</c>, the kind of a failed task's failure (<c>Scheduling.FailureKind</c>).</summary>
    public const int Current = 2;

    private const string Table = """
        CREATE TABLE IF NOT EXISTS task_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL, run_id TEXT NOT NULL, task TEXT NOT NULL, state TEXT NOT NULL, exit_code INTEGER,
            started TEXT NOT NULL, ended TEXT NOT NULL, host TEXT, workspace TEXT NOT NULL, attempts INTEGER NOT NULL,
            outputs TEXT NOT NULL, failure TEXT);
        CREATE INDEX IF NOT EXISTS task_runs_key ON task_runs (key, state);
        """;

    /// <summary>
    /// Makes the journal at <paramref name="path"/> current inside <paramref name="transaction"/>, which must hold the
    /// write lock (an immediate transaction), so two engines opening one old journal upgrade it once.
    /// </summary>
    /// <exception cref="InvalidDataException">A newer engine wrote the journal, in a form this one does not know.</exception>
    public static void Upgrade(SqliteConnection connection, SqliteTransaction transaction, string path)
    {
        var version = Convert.ToInt32(Scalar(connection, transaction, "PRAGMA user_version"), CultureInfo.InvariantCulture);
        if (version > Current)
        {
            throw new InvalidDataException($"the journal {path} has schema version {version}, written by a newer Dagon; this one reads up to " +
                                           $"version {Current} (use the newer Dagon, or another --state-dir)");
        }

        Execute(connection, transaction, Table);
        // Version 1 carried no number (user_version 0), like a new file: the column itself says which it is.
        if (!HasColumn(connection, transaction, "failure")) Execute(connection, transaction, "ALTER TABLE task_runs ADD COLUMN failure TEXT");
        if (version != Current) Execute(connection, transaction, $"PRAGMA user_version = {Current.ToString(CultureInfo.InvariantCulture)}");
    }

    private static bool HasColumn(SqliteConnection connection, SqliteTransaction transaction, string column)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('task_runs') WHERE name = $column";
        command.Parameters.AddWithValue("$column", column);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
