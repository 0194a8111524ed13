using Microsoft.Data.Sqlite;

namespace Dagon.Dsl.Testing;

/// <summary>
/// A journal as the first version of the journal wrote it: its table exactly as that version created it (no failure
/// column, no user_version), so that tests can prove a newer engine opens it and keeps its records.
/// </summary>
internal static class FirstJournal
{
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS task_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL, run_id TEXT NOT NULL, task TEXT NOT NULL, state TEXT NOT NULL, exit_code INTEGER,
            started TEXT NOT NULL, ended TEXT NOT NULL, host TEXT, workspace TEXT NOT NULL, attempts INTEGER NOT NULL,
            outputs TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS task_runs_key ON task_runs (key, state);
        """;

    /// <summary>Two records of run <paramref name="runId"/>: A succeeded with one output, B failed with exit code 3 after 2 attempts on host 'node'.</summary>
    public static string TwoRecords(string runId) => $$"""
        INSERT INTO task_runs (key, run_id, task, state, exit_code, started, ended, host, workspace, attempts, outputs) VALUES
            ('k1', '{{runId}}', 'A', 'succeeded', 0, '2026-11-30T08:00:00.0000000+00:00', '2026-11-30T08:00:05.0000000+00:00', NULL,
             '/tmp/dagon-{{runId}}/A', 1, '[{"Path":"out.txt","Size":5,"Sha256":"abc"}]'),
            ('k2', '{{runId}}', 'B', 'failed', 3, '2026-11-30T08:00:05.0000000+00:00', '2026-11-30T08:00:09.0000000+00:00', 'node',
             '/scratch/dagon-{{runId}}/B', 2, '[]');
        """;

    /// <summary>Runs <paramref name="sql"/> on the SQLite file at <paramref name="path"/>, made if missing.</summary>
    public static void Execute(string path, string sql)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
