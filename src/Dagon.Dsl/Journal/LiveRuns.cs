using Dagon.LocalFiles;

namespace Dagon.Journal;

/// <summary>
/// Which recorded runs a live engine still needs. A run writes its engine's <see cref="OwnerMark"/> (process id and
/// start time, as in run folders) into its state folder, <c>runs/RUN/.owner</c>, before it records
/// anything and removes it when it ends, and lists there (<c>runs/RUN/reused</c>) the earlier runs whose work folders
/// it reuses with <c>--resume</c>. A mark whose process is gone, or is another process with the same id, is dead. The
/// state folder's mark decides for every place of the run, remote hosts included: the engine always runs here.
/// </summary>
public sealed class LiveRuns
{
    public const string ReusedFile = "reused";

    // Runs of one process note their reuses from many tasks at once.
    private static readonly Lock ReuseGate = new();

    private readonly Dictionary<string, string> _reasons = new(StringComparer.Ordinal);

    private LiveRuns()
    {
    }

    /// <summary>The live runs of the state folder at <paramref name="stateRoot"/> and the runs they reuse.</summary>
    public static LiveRuns Read(string stateRoot)
    {
        var live = new LiveRuns();
        var runs = Path.Combine(stateRoot, "runs");
        if (!Directory.Exists(runs)) return live;
        foreach (var folder in Directory.EnumerateDirectories(runs))
        {
            if (OwnerMark.Read(folder) is not { IsAlive: true } owner) continue;
            var runId = Path.GetFileName(folder);
            live._reasons[runId] = $"still running (engine process {owner.Pid})";
            foreach (var reused in ReadLines(Path.Combine(folder, ReusedFile)))
            {
                live._reasons.TryAdd(reused, $"reused by run {runId}, which is still running (engine process {owner.Pid})");
            }
        }

        return live;
    }

    /// <summary>Why <paramref name="run"/> must stay, or null when no live engine needs it.</summary>
    public string? Needs(RecordedRun run) => _reasons.GetValueOrDefault(run.RunId);

    /// <summary>Notes that this run reuses <paramref name="reusedRun"/>'s work folders, so no clean removes them under it.</summary>
    public static void NoteReuse(string runFolder, string reusedRun)
    {
        var path = Path.Combine(runFolder, ReusedFile);
        lock (ReuseGate)
        {
            if (!ReadLines(path).Contains(reusedRun)) File.AppendAllText(path, reusedRun + "\n");
        }
    }

    private static List<string> ReadLines(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToList() : [];
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
