using Dagon.Journal;

namespace Dagon.Dsl.Tests.Journal;

/// <summary>The journal's group commit: every record lands, none waits long, and a commit is whole or absent.</summary>
public sealed class JournalWriterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-journal-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string JournalPath => Path.Combine(_root, "journal.db");

    private static TaskRecord Record(int i, string run = "r") => new()
    {
        Key = $"k{i}", RunId = run, Task = $"t{i}", State = "succeeded", Workspace = $"/w/t{i}",
    };

    [Fact]
    public async Task Records_added_from_many_threads_are_all_committed_when_the_writer_is_disposed()
    {
        using var journal = new TaskJournal(JournalPath);
        using (var writer = new JournalWriter(journal))
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(lane => Task.Run(() =>
            {
                for (var i = 0; i < 500; i++) writer.Add(Record(lane * 1000 + i));
            })));
        }

        var tasks = journal.All().Select(r => r.Task).ToHashSet();
        Assert.Equal(2000, tasks.Count);
        Assert.Contains("t3499", tasks);
    }

    [Fact]
    public async Task A_record_is_committed_within_the_window_while_the_run_goes_on()
    {
        using var journal = new TaskJournal(JournalPath);
        using var writer = new JournalWriter(journal);
        writer.Add(Record(1));

        // Another connection, as a second run (or the run after a SIGKILL) would see the journal.
        using var reader = new TaskJournal(JournalPath);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (reader.All().Count == 0 && waited.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(1);

        Assert.Single(reader.All());
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(1), $"the record took {waited.Elapsed.TotalMilliseconds:F0} ms to be committed");
    }

    [Fact]
    public void Adding_after_the_writer_is_disposed_fails()
    {
        using var journal = new TaskJournal(JournalPath);
        var writer = new JournalWriter(journal);
        writer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => writer.Add(Record(1)));
    }

    [Fact]
    public void A_group_is_one_transaction_a_bad_record_leaves_none_of_its_group()
    {
        using var journal = new TaskJournal(JournalPath);
        journal.Record(Record(0));

        // A record SQLite cannot take (no key) fails the group after the first record of it was inserted.
        Assert.Throws<InvalidOperationException>(() => journal.Record([Record(1), Record(2) with { Key = null! }, Record(3)]));

        Assert.Equal(["t0"], journal.All().Select(r => r.Task));
        Assert.Equal("ok", journal.IntegrityCheck());
        journal.Record([Record(4), Record(5)]); // the journal takes the next group as usual
        Assert.Equal(["t0", "t4", "t5"], journal.All().Select(r => r.Task));
    }

    [Fact]
    public void Two_writers_on_one_journal_both_land_whole()
    {
        using (var first = new TaskJournal(JournalPath))
        using (var second = new TaskJournal(JournalPath))
        using (var a = new JournalWriter(first))
        using (var b = new JournalWriter(second))
        {
            for (var i = 0; i < 300; i++)
            {
                a.Add(Record(i, "a"));
                b.Add(Record(i, "b"));
            }
        }

        using var journal = new TaskJournal(JournalPath);
        var all = journal.All();
        Assert.Equal(300, all.Count(r => r.RunId == "a"));
        Assert.Equal(300, all.Count(r => r.RunId == "b"));
    }
}
