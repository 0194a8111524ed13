namespace Dagon.Launching.Slurm;

/// <summary>Reads the answers of squeue, sacct, scontrol and sbatch. Each takes the text as the command printed it.</summary>
internal static class SlurmOutputParser
{
    /// <summary><c>squeue -h -r -t all -o %i|%T|%r</c>: one <c>ID|STATE|REASON</c> line per job or array element.</summary>
    public static Dictionary<string, SlurmJobState> Squeue(string text)
    {
        var states = new Dictionary<string, SlurmJobState>(StringComparer.Ordinal);
        foreach (var line in Lines(text))
        {
            var fields = line.Split('|');
            if (fields.Length < 2) continue;
            states[fields[0]] = new SlurmJobState(fields[0], fields[1], fields.Length > 2 && fields[2] is not ("None" or "" or "(null)") ? fields[2] : null);
        }

        return states;
    }

    /// <summary><c>sacct -n -P -X -o JobID,State,ExitCode</c> (or with <c>-c</c>): <c>ID|STATE|CODE:SIGNAL</c>.</summary>
    public static Dictionary<string, SlurmJobState> Sacct(string text)
    {
        var states = new Dictionary<string, SlurmJobState>(StringComparer.Ordinal);
        foreach (var line in Lines(text))
        {
            var fields = line.Split('|');
            if (fields.Length < 3) continue;
            states[fields[0]] = new SlurmJobState(fields[0], fields[1], ExitCode: fields[2]);
        }

        return states;
    }

    /// <summary>
    /// <c>scontrol -o show job</c>: one line of <c>Key=Value</c> pairs per job. An array element is named
    /// <c>ArrayJobId_ArrayTaskId</c>, as squeue names it; a record of still pending elements (<c>ArrayTaskId=3-9</c>) is skipped.
    /// </summary>
    public static Dictionary<string, SlurmJobState> Scontrol(string text)
    {
        var states = new Dictionary<string, SlurmJobState>(StringComparer.Ordinal);
        foreach (var line in Lines(text))
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0) values.TryAdd(pair[..equals], pair[(equals + 1)..]);
            }

            if (!values.TryGetValue("JobId", out var id) || !values.TryGetValue("JobState", out var state)) continue;
            if (values.TryGetValue("ArrayJobId", out var arrayId) && values.TryGetValue("ArrayTaskId", out var index))
            {
                if (!index.All(char.IsAsciiDigit)) continue;
                id = arrayId + "_" + index;
            }

            states[id] = new SlurmJobState(id, state, values.GetValueOrDefault("Reason"), values.GetValueOrDefault("ExitCode"));
        }

        return states;
    }

    /// <summary><c>sbatch --parsable</c> prints <c>ID</c> or <c>ID;CLUSTER</c>.</summary>
    public static string? JobId(string text)
    {
        var line = Lines(text).LastOrDefault();
        var id = line?.Split(';')[0].Trim();
        return id is { Length: > 0 } && id.All(char.IsAsciiDigit) ? id : null;
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);
}
