#nullable enable
using System.Linq;
using Dagon.Dsl.Declarations;

namespace Dagon.Dsl.Generators.Model;

/// <summary>A task's scheduler and Slurm settings without locations; null when the task sets none.</summary>
internal sealed record SlurmSource(
    int? Scheduler,
    int? Cpus,
    int? MemoryMb,
    string? Time,
    int? Gpus,
    string? Partition,
    string? Account,
    string? Qos,
    int? Nodes,
    int? TasksPerNode,
    EquatableArray<string> Options)
{
    public static SlurmSource? From(SlurmDeclaration slurm) =>
        slurm.Scheduler is null && !slurm.HasResources
            ? null
            : new SlurmSource(slurm.Scheduler?.Value, slurm.Cpus?.Value, slurm.MemoryMb?.Value, slurm.Time?.Value, slurm.Gpus?.Value,
                slurm.Partition?.Value, slurm.Account?.Value, slurm.Qos?.Value, slurm.Nodes?.Value, slurm.TasksPerNode?.Value,
                slurm.Options.Select(o => o.Value).ToEquatableArray());
}
