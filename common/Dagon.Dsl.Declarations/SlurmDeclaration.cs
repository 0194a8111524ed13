#nullable enable

namespace Dagon.Dsl.Declarations;

/// <summary>
/// The scheduler and Slurm settings of one task attribute, as written (with locations, for the analyzers). An
/// argument that was not written is null, so "unset" and "set to 0" stay apart. <see cref="Scheduler"/> holds the
/// value of <c>Dagon.Model.Scheduler</c> (0 Direct, 1 Slurm).
/// </summary>
internal sealed record SlurmDeclaration(
    IntArgument? Scheduler,
    IntArgument? Cpus,
    IntArgument? MemoryMb,
    StringArgument? Time,
    IntArgument? Gpus,
    StringArgument? Partition,
    StringArgument? Account,
    StringArgument? Qos,
    IntArgument? Nodes,
    IntArgument? TasksPerNode,
    EquatableArray<StringArgument> Options)
{
    public const int Direct = 0;
    public const int Slurm = 1;

    public static readonly SlurmDeclaration None = new SlurmDeclaration(null, null, null, null, null, null, null, null, null, null, default);

    /// <summary>True when the task asks Slurm for something (any setting but the scheduler itself).</summary>
    public bool HasResources => Cpus is not null || MemoryMb is not null || Time is not null || Gpus is not null || Partition is not null
                                || Account is not null || Qos is not null || Nodes is not null || TasksPerNode is not null || Options.Count > 0;

    /// <summary>The resource argument written first in the source, where a "resources on a direct task" diagnostic points.</summary>
    public LocationInfo? FirstResourceLocation
    {
        get
        {
            LocationInfo? first = null;
            var locations = new[]
            {
                Cpus?.Location, MemoryMb?.Location, Time?.Location, Gpus?.Location, Partition?.Location, Account?.Location,
                Qos?.Location, Nodes?.Location, TasksPerNode?.Location, Options.Count > 0 ? Options[0].Location : null,
            };
            foreach (var location in locations)
            {
                if (location is not null && (first is null || location.Span.Start < first.Span.Start)) first = location;
            }

            return first;
        }
    }
}
