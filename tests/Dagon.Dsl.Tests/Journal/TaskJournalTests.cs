using Dagon.Journal;

namespace Dagon.Dsl.Tests.Journal;

/// <summary>What the journal stores is what it gives back, field by field, set or left empty.</summary>
public sealed class TaskJournalTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-journal-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Every_field_of_a_record_reads_back_as_it_was_written()
    {
        var full = new TaskRecord
        {
            Key = new string('a', 64), RunId = "run-1", Task = "Wf/Tâsk ü", State = "failed", ExitCode = -3,
            Started = new DateTimeOffset(2026, 11, 30, 10, 1, 2, 345, TimeSpan.FromHours(2)).AddTicks(6789),
            Ended = new DateTimeOffset(2026, 11, 30, 10, 5, 0, TimeSpan.Zero), Host = "node-7",
            Workspace = "/scratch/dagon-run-1/Wf_T-1234", Attempts = 3, Failure = Dagon.Scheduling.FailureKind.OutOfMemory,
        };
        var bare = new TaskRecord
        {
            Key = new string('b', 64), RunId = "run-1", Task = "B", State = "succeeded", Workspace = "/w/B",
            Outputs = [new RecordedOutput("out/a.txt", 12, new string('c', 64)), new RecordedOutput("b", null, new string('d', 64))],
        };
        using (var journal = new TaskJournal(Path.Combine(_root, "journal.db")))
        {
            journal.Record([full, bare]);
        }

        using var reopened = new TaskJournal(Path.Combine(_root, "journal.db"));
        var all = reopened.All();

        Assert.Equal(2, all.Count);
        Assert.Equal(full with { Outputs = [] }, all[0] with { Outputs = [] });
        Assert.Empty(all[0].Outputs);
        Assert.Equal(bare with { Outputs = [] }, all[1] with { Outputs = [] });
        Assert.Equal(bare.Outputs, all[1].Outputs);
        Assert.Equal(all[1].Outputs, reopened.Successes(bare.Key).Single().Outputs);
    }
}
