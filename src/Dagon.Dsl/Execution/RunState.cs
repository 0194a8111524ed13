using Dagon.Places;
using Dagon.Scheduling;
using Dagon.Staging;

namespace Dagon.Execution;

/// <summary>
/// Everything one run holds, made by preparation and dropped with the run: for each task (by
/// <see cref="PlannedTask.Index"/>) its place, workspace, prepared image, Apptainer command and pending overlay, and
/// the run's shared copies of staged files. Nothing of a run lives in a long-lived service.
/// </summary>
public sealed class RunState : IRunLocations
{
    public RunState(ExecutionPlan plan, DagonOptions options)
    {
        Plan = plan;
        Options = options;
        var count = plan.Tasks.Count;
        Places = new IPlace[count];
        Workspaces = new TaskWorkspace[count];
        Images = new string?[count];
        Apptainers = new string?[count];
        Overlays = new Task<TimeSpan>?[count];
        Schedulers = new Model.Scheduler[count];
        Timings = new TaskTimings[count];
        for (var i = 0; i < count; i++) Timings[i] = new TaskTimings();
    }

    public ExecutionPlan Plan { get; }

    public DagonOptions Options { get; }

    public string RunId => Plan.RunId;

    public IPlace[] Places { get; }

    public TaskWorkspace[] Workspaces { get; }

    /// <summary>The image each container task execs, as a path on its place.</summary>
    public string?[] Images { get; }

    /// <summary>The Apptainer command found on each container task's place.</summary>
    public string?[] Apptainers { get; }

    /// <summary>Each container task's overlay creation, started during preparation and awaited before it runs.</summary>
    public Task<TimeSpan>?[] Overlays { get; }

    public TaskTimings[] Timings { get; }

    /// <summary>How each task is started, resolved once in preparation (task, workflow, host profile, run).</summary>
    public Model.Scheduler[] Schedulers { get; }

    /// <summary>The run's Slurm launcher, when any task runs as a Slurm job.</summary>
    public Launching.Slurm.SlurmRun? Slurm { get; set; }

    public SharedCopies Copies { get; } = new();

    public IPlace PlaceOf(PlannedTask task) => Places[task.Index];

    public TaskWorkspace WorkspaceOf(PlannedTask task) => Workspaces[task.Index];

    /// <summary>Name shown in logs for a task's container: <c>a-1f2e3d4c-1760051924696</c>.</summary>
    public string ContainerName(PlannedTask task) => $"{PathSegment.Slug(task.DisplayName).ToLowerInvariant()}-{RunId}";
}
