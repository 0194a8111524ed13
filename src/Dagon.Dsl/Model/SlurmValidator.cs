using Dagon.Rules;

namespace Dagon.Model;

/// <summary>
/// The Slurm part of a workflow's validation, with the rules the analyzers use (<see cref="SlurmRules"/>): a task's
/// request must be well-formed, and a task that is explicitly started directly must not carry one.
/// </summary>
internal static class SlurmValidator
{
    public static List<string> Validate(Scheduler? workflowScheduler, IReadOnlyList<TaskDefinition> tasks)
    {
        var errors = new List<string>();
        foreach (var task in tasks)
        {
            var label = $"Task '{task.Name}'";
            var request = task.Slurm;
            if (request.Time is { } time && SlurmRules.CheckTime(time) is { } timeError)
            {
                errors.Add($"{label} has time limit '{time}'; {timeError}");
            }

            Count(label, "CPUs", request.Cpus, errors);
            Count(label, "MB of memory", request.MemoryMb, errors);
            Count(label, "GPUs", request.Gpus, errors);
            Count(label, "nodes", request.Nodes, errors);
            Count(label, "tasks per node", request.TasksPerNode, errors);
            foreach (var option in request.Options)
            {
                if (SlurmRules.CheckOption(option) is { } optionError) errors.Add($"{label} has Slurm option {optionError}");
            }

            if (!request.IsEmpty && (task.Scheduler ?? workflowScheduler) == Scheduler.Direct)
            {
                var owner = task.Scheduler is null ? "its workflow starts it" : "it is started";
                errors.Add($"{label} sets Slurm resources, but {owner} directly (Scheduler.Direct); remove them or run it with Scheduler.Slurm");
            }
        }

        return errors;
    }

    private static void Count(string label, string what, int? value, List<string> errors)
    {
        if (value is { } count && SlurmRules.CheckCount(count) is { } error) errors.Add($"{label} requests {count} {what}; {error}");
    }
}
