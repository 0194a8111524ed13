#nullable enable
using System.Collections.Generic;
using System.Globalization;
using Dagon.Dsl.Generators.Model;

namespace Dagon.Dsl.Generators.Emit;

internal static partial class WorkflowEmitter
{
    /// <summary>The fluent calls for a task's scheduler and Slurm settings, in the order the attribute documents them.</summary>
    private static void AddSlurmCalls(List<string> calls, SlurmSource slurm)
    {
        if (slurm.Scheduler is { } scheduler) calls.Add(".Scheduler(" + SchedulerValue(scheduler) + ")");
        if (slurm.Cpus is { } cpus) calls.Add(".Cpus(" + Number(cpus) + ")");
        if (slurm.MemoryMb is { } memory) calls.Add(".MemoryMb(" + Number(memory) + ")");
        if (slurm.Time is { } time) calls.Add(".Time(" + Literal(time) + ")");
        if (slurm.Gpus is { } gpus) calls.Add(".Gpus(" + Number(gpus) + ")");
        if (slurm.Partition is { } partition) calls.Add(".Partition(" + Literal(partition) + ")");
        if (slurm.Account is { } account) calls.Add(".Account(" + Literal(account) + ")");
        if (slurm.Qos is { } qos) calls.Add(".Qos(" + Literal(qos) + ")");
        if (slurm.Nodes is { } nodes) calls.Add(".Nodes(" + Number(nodes) + ")");
        if (slurm.TasksPerNode is { } tasks) calls.Add(".TasksPerNode(" + Number(tasks) + ")");
        if (slurm.Options.Count > 0)
        {
            var options = new List<string>();
            foreach (var option in slurm.Options) options.Add(Literal(option));
            calls.Add(".SlurmOptions(" + string.Join(", ", options) + ")");
        }
    }

    /// <summary>An enum value the runtime may not define (a cast in the attribute) is emitted as a cast, which still compiles.</summary>
    private static string SchedulerValue(int value) => value switch
    {
        0 => "global::Dagon.Model.Scheduler.Direct",
        1 => "global::Dagon.Model.Scheduler.Slurm",
        _ => "(global::Dagon.Model.Scheduler)" + Number(value),
    };

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
