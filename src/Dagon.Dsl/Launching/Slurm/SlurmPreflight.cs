using System.Globalization;
using Dagon.Rules;
using Dagon.Scheduling;

namespace Dagon.Launching.Slurm;

/// <summary>
/// Asks sinfo once per place, before anything is submitted: does each task's partition exist, and do its CPUs,
/// memory and time limit fit the partition? A task that cannot fit fails the run while it is still cheap, with a
/// message naming the task and the partition, instead of pending forever or being refused mid-run.
/// </summary>
internal static class SlurmPreflight
{
    internal sealed record Partition(string Name, bool Up, int Cpus, long MemoryMb, long? TimeLimitMinutes, bool IsDefault);

    /// <summary>What the check found: the tasks that cannot run, and the partitions sinfo listed (null when it could not be asked).</summary>
    public sealed record Result(IReadOnlyList<(PlannedTask Task, string Message)> Failures, IReadOnlyDictionary<string, Partition>? Partitions);

    public static async Task<Result> CheckAsync(SlurmCommands commands, IReadOnlyList<PlannedTask> tasks, Func<PlannedTask, string?> timeOf,
        CancellationToken cancellationToken)
    {
        var where = commands.Place.Description;
        IReadOnlyDictionary<string, Partition> partitions;
        try
        {
            var result = await commands.PartitionsAsync(cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                var reason = string.Join(" ", result.StderrTail).Trim();
                return new Result(tasks.Select(t => (t, $"Slurm does not answer on {where} (sinfo: {reason}); is slurmctld running?")).ToList(), null);
            }

            partitions = Parse(result.Stdout);
        }
        catch (SlurmSubmitException exception)
        {
            return new Result(tasks.Select(t => (t, exception.Message)).ToList(), null);
        }

        var failures = new List<(PlannedTask, string)>();
        foreach (var task in tasks)
        {
            if (Check(task, timeOf(task), commands.Options, partitions, where) is { } message) failures.Add((task, message));
        }

        return new Result(failures, partitions);
    }

    /// <summary>The partition a job with <paramref name="request"/> goes to: the one it names (or the place's), else the default.</summary>
    public static Partition? PartitionOf(Model.SlurmRequest request, SlurmOptions options, IReadOnlyDictionary<string, Partition> partitions) =>
        (request.Partition ?? options.Partition) is { } name ? partitions.GetValueOrDefault(name) : partitions.Values.FirstOrDefault(p => p.IsDefault);

    private static string? Check(PlannedTask task, string? time, SlurmOptions options, IReadOnlyDictionary<string, Partition> partitions, string where)
    {
        var request = task.Definition.Slurm;
        var name = request.Partition ?? options.Partition;
        var partition = PartitionOf(request, options, partitions);
        var label = $"task '{task.DisplayName}'";
        if (partition is null)
        {
            var known = string.Join(", ", partitions.Keys.Order(StringComparer.Ordinal));
            return name is null
                ? $"Slurm on {where} has no default partition for {label}; set Partition on the task or [slurm] partition in dagon.ini (partitions: {known})"
                : $"partition '{name}' of {label} does not exist on {where} (partitions: {known})";
        }

        if (!partition.Up) return $"partition '{partition.Name}' of {label} on {where} is not up; its jobs would wait until an administrator brings it back";
        var prefix = $"{label} does not fit partition '{partition.Name}' on {where}:";
        if (request.Cpus is { } cpus && cpus > partition.Cpus) return $"{prefix} it asks for {cpus} CPUs, its nodes have at most {partition.Cpus}";
        if (request.MemoryMb is { } memory && memory > partition.MemoryMb)
        {
            return $"{prefix} it asks for {memory} MB of memory, its nodes have at most {partition.MemoryMb} MB";
        }

        if (time is not null && SlurmRules.TryParseTime(time, out var minutes) && partition.TimeLimitMinutes is { } limit && minutes > limit)
        {
            return $"{prefix} it asks for a time limit of {time} ({minutes} min), the partition allows {limit} min";
        }

        return null;
    }

    /// <summary>
    /// <c>sinfo -h -o %R|%a|%c|%m|%l|%P</c>: a partition may take several lines (nodes of different sizes); the largest
    /// node counts. <c>2+</c> means "2 or more"; a time limit of <c>infinite</c> is none.
    /// </summary>
    internal static Dictionary<string, Partition> Parse(string text)
    {
        var partitions = new Dictionary<string, Partition>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            var fields = line.Split('|');
            if (fields.Length < 6) continue;
            long? limit = SlurmRules.TryParseTime(fields[4], out var minutes) ? minutes : null;
            var partition = new Partition(fields[0], fields[1] == "up", (int)Number(fields[2]), Number(fields[3]), limit, fields[5].EndsWith('*'));
            if (partitions.TryGetValue(partition.Name, out var known))
            {
                partition = partition with
                {
                    Cpus = Math.Max(partition.Cpus, known.Cpus),
                    MemoryMb = Math.Max(partition.MemoryMb, known.MemoryMb),
                    IsDefault = partition.IsDefault || known.IsDefault,
                };
            }

            partitions[partition.Name] = partition;
        }

        return partitions;
    }

    private static long Number(string text) =>
        long.TryParse(text.TrimEnd('+'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : long.MaxValue;
}
