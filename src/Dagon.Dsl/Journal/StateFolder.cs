using Dagon.Staging;

namespace Dagon.Journal;

/// <summary>
/// The state folder (<c>[dagon] state_dir</c>, <c>.dagon/</c> in the folder the run starts from): one journal for
/// every run that uses it, and a folder per run with its logs and JSON export. Work folders live elsewhere
/// (<c>tmp_dir</c>) and are scratch; what is here outlives them.
/// </summary>
public sealed class StateFolder
{
    public StateFolder(string root, string runId)
    {
        Root = root;
        RunFolder = Path.Combine(root, "runs", runId);
        Logs = Path.Combine(RunFolder, "logs");
        Directory.CreateDirectory(Logs);
    }

    public string Root { get; }

    public string RunFolder { get; }

    public string Logs { get; }

    public string JournalPath => Path.Combine(Root, "journal.db");

    public string JsonPath => Path.Combine(RunFolder, "run.json");

    /// <summary><c>logs/TASK.out</c>; an earlier attempt's is <c>logs/TASK.attempt1.out</c>.</summary>
    /// <remarks>Built as one string (what <c>Path.Combine</c> gives, <see cref="Logs"/> never ending in a separator): a run asks twice per task.</remarks>
    public string LogPath(string task, string stream, int attempt = 0) => attempt > 0
        ? $"{Logs}{Path.DirectorySeparatorChar}{PathSegment.Slug(task)}.attempt{attempt}.{stream}"
        : $"{Logs}{Path.DirectorySeparatorChar}{PathSegment.Slug(task)}.{stream}";
}
