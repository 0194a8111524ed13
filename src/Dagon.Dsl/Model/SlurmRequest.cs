using System.Globalization;
using System.Text;

namespace Dagon.Model;

/// <summary>
/// What a task asks Slurm for. Every value is optional: unset values take the partition's defaults. Only a task run
/// under <see cref="Scheduler.Slurm"/> uses it.
/// </summary>
public sealed record SlurmRequest
{
    public static readonly SlurmRequest None = new();

    public int? Cpus { get; init; }

    public int? MemoryMb { get; init; }

    /// <summary>Time limit in one of Slurm's formats: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.</summary>
    public string? Time { get; init; }

    public int? Gpus { get; init; }

    public string? Partition { get; init; }

    public string? Account { get; init; }

    public string? Qos { get; init; }

    public int? Nodes { get; init; }

    public int? TasksPerNode { get; init; }

    /// <summary>Extra sbatch options, each one word such as <c>--constraint=haswell</c>.</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    /// <summary>True when the task sets nothing Slurm-specific.</summary>
    public bool IsEmpty => Cpus is null && MemoryMb is null && Time is null && Gpus is null && Partition is null && Account is null
                           && Qos is null && Nodes is null && TasksPerNode is null && Options.Count == 0;

    /// <summary>The values as text, equal exactly when two requests are equal (records compare lists by reference).</summary>
    public string Key
    {
        get
        {
            var key = new StringBuilder();
            foreach (var value in new object?[] { Cpus, MemoryMb, Time, Gpus, Partition, Account, Qos, Nodes, TasksPerNode })
            {
                key.Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append('\u001f');
            }

            foreach (var option in Options) key.Append(option).Append('\u001e');
            return key.ToString();
        }
    }
}
