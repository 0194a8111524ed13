using Dagon.Dsl.Testing;
using Dagon.Journal;
using Dagon.Scheduling;
using Microsoft.Data.Sqlite;

namespace Dagon.Dsl.Tests.Journal;

/// <summary>A journal written before failure kinds were kept opens, keeps its records, and takes records with kinds.</summary>
public sealed class JournalSchemaTests : IDisposable
{
    private const string OldRun = "old";

    private readonly string _root = Directory.CreateTempSubdirectory("dagon-schema-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string JournalPath => Path.Combine(_root, "journal.db");

    private void Sql(string sql) => FirstJournal.Execute(JournalPath, sql);

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={JournalPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public void AJournalOfTheFirstSchemaKeepsItsRecordsAndTakesFailureKinds()
    {
        Sql(FirstJournal.Schema + FirstJournal.TwoRecords(OldRun));

        using (var journal = new TaskJournal(JournalPath))
        {
            var old = journal.All();
            Assert.Equal(["A", "B"], old.Select(r => r.Task));
            Assert.Equal(("failed", 3, 2, "node", (FailureKind?)null), (old[1].State, old[1].ExitCode, old[1].Attempts, old[1].Host, old[1].Failure));
            Assert.Equal([new RecordedOutput("out.txt", 5, "abc")], old[0].Outputs);
            Assert.Single(journal.Successes("k1"));

            journal.Record(new TaskRecord
            {
                Key = "k3", RunId = "new", Task = "C", State = "failed", ExitCode = null, Workspace = "/w/C", Attempts = 3,
                Failure = FailureKind.OutOfMemory,
            });
        }

        using var reopened = new TaskJournal(JournalPath);
        var records = reopened.All();
        Assert.Equal(["A", "B", "C"], records.Select(r => r.Task));
        Assert.Equal((FailureKind.OutOfMemory, 3), (records[2].Failure!.Value, records[2].Attempts));
        Assert.Equal(JournalSchema.Current, Scalar("PRAGMA user_version"));
        Assert.Equal("ok", reopened.IntegrityCheck());
    }

    [Fact]
    public void ANewJournalStoresEachKindByItsNameAndSuccessWithout()
    {
        using (var journal = new TaskJournal(JournalPath))
        {
            journal.Record([
                new TaskRecord { Key = "k", RunId = "r", Task = "ok", State = "succeeded", Workspace = "/w/ok" },
                .. Enum.GetValues<FailureKind>().Select(kind =>
                    new TaskRecord { Key = "k", RunId = "r", Task = kind.Name(), State = "failed", Workspace = "/w/x", Failure = kind }),
            ]);
            Assert.Equal([null, .. Enum.GetValues<FailureKind>().Cast<FailureKind?>()], journal.All().Select(r => r.Failure));
        }

        // The names, not the enum's numbers, are what a reader of journal.db (sqlite3) sees.
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM task_runs WHERE task = 'out-of-memory' AND failure = 'out-of-memory'"));
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM task_runs WHERE failure IS NULL"));
    }

    [Fact]
    public void AKindNameThisVersionDoesNotKnowIsReadAsOther()
    {
        using (var journal = new TaskJournal(JournalPath)) journal.Record(new TaskRecord { Key = "k", RunId = "r", Task = "A", State = "failed", Workspace = "/w" });
        Sql("UPDATE task_runs SET failure = 'quota-exceeded'");

        using var reopened = new TaskJournal(JournalPath);
        Assert.Equal(FailureKind.Other, reopened.All()[0].Failure);
    }

    [Fact]
    public void AJournalOfANewerSchemaIsRefusedNamingTheFileAndBothVersions()
    {
        Sql(FirstJournal.Schema + $"PRAGMA user_version = {JournalSchema.Current + 1};");

        var error = Assert.Throws<InvalidDataException>(() => new TaskJournal(JournalPath));

        Assert.Contains(JournalPath, error.Message, StringComparison.Ordinal);
        Assert.Contains($"schema version {JournalSchema.Current + 1}, written by a newer Dagon; this one reads up to version {JournalSchema.Current}",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoEnginesOpeningOneOldJournalAtOnceUpgradeItOnce()
    {
        Sql(FirstJournal.Schema + FirstJournal.TwoRecords(OldRun));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new TaskJournal(JournalPath).Dispose())));

        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM pragma_table_info('task_runs') WHERE name = 'failure'"));
        Assert.Equal(2, Scalar("SELECT COUNT(*) FROM task_runs"));
    }
}
