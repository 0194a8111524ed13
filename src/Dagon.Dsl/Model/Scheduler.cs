namespace Dagon.Model;

/// <summary>
/// How a task is started: directly as a process on its place, or as a job of the place's Slurm. Set per task, per
/// workflow, per host profile (<c>[host:NAME] scheduler</c>) or for the run (<c>[dagon] scheduler</c>); the first of
/// these that is set wins.
/// </summary>
public enum Scheduler
{
    /// <summary>A process on the task's place (this machine or an SSH host).</summary>
    Direct,

    /// <summary>A Slurm job submitted with <c>sbatch</c> on the task's place (this machine or an SSH login node).</summary>
    Slurm,
}
