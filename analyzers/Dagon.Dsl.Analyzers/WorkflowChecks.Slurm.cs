#nullable enable
using Dagon.Dsl.Declarations;
using Dagon.Rules;
using static Dagon.Dsl.Analyzers.DiagnosticDescriptors;

namespace Dagon.Dsl.Analyzers;

internal sealed partial class WorkflowChecks
{
    /// <summary>A task's Slurm request, with the rules the runtime's validator uses (<see cref="SlurmRules"/>).</summary>
    private void CheckSlurm(TaskDeclaration task)
    {
        var slurm = task.Slurm;
        if (slurm.Time is { } time && SlurmRules.CheckTime(time.Value) is { } timeError)
        {
            Report(MalformedSlurmTime, time.Location, task.Name, time.Value, timeError);
        }

        CheckCount(task, slurm.Cpus, "CPUs");
        CheckCount(task, slurm.MemoryMb, "MB of memory");
        CheckCount(task, slurm.Gpus, "GPUs");
        CheckCount(task, slurm.Nodes, "nodes");
        CheckCount(task, slurm.TasksPerNode, "tasks per node");
        foreach (var option in slurm.Options)
        {
            if (SlurmRules.CheckOption(option.Value) is { } optionError) Report(InvalidSlurmOption, option.Location, task.Name, optionError);
        }

        // Only an explicit Direct conflicts: unset schedulers may still resolve to Slurm from dagon.ini at run time.
        var taskDirect = slurm.Scheduler?.Value == SlurmDeclaration.Direct;
        var workflowDirect = slurm.Scheduler is null && _workflow.Scheduler?.Value == SlurmDeclaration.Direct;
        if ((taskDirect || workflowDirect) && slurm.FirstResourceLocation is { } location)
        {
            Report(SlurmResourcesOnDirectTask, location, task.Name, taskDirect ? "it is started" : "its workflow starts it");
        }
    }

    private void CheckCount(TaskDeclaration task, IntArgument? count, string what)
    {
        if (count is not null && SlurmRules.CheckCount(count.Value) is { } error) Report(NonPositiveSlurmCount, count.Location, task.Name, count.Value, what, error);
    }
}
