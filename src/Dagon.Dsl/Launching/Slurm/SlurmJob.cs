using Dagon.Model;
using Dagon.Scheduling;
using Dagon.Staging;

namespace Dagon.Launching.Slurm;

/// <summary>
/// One task as a Slurm job (or one element of a job array): what it runs, what it asks for, and, once submitted,
/// its id. <see cref="Completion"/> ends with the task's outcome, set by whoever learns it first (the watcher, the
/// submitter on an sbatch error, or cancellation).
/// </summary>
internal sealed class SlurmJob(string name, IReadOnlyList<string> argv, TaskWorkspace workspace, SlurmRequest request, string? time)
{
    /// <summary>The task's name in messages.</summary>
    public string Name { get; } = name;

    public IReadOnlyList<string> Argv { get; } = argv;

    public TaskWorkspace Workspace { get; } = workspace;

    public SlurmRequest Request { get; } = request;

    /// <summary>The time limit asked for: the task's <c>Time</c>, else its timeout in minutes; null for the partition's.</summary>
    public string? Time { get; } = time;

    /// <summary>Slurm's id: <c>123</c>, or <c>123_4</c> for an element of array 123.</summary>
    public string? Id { get; set; }

    /// <summary>For an array element, the file Slurm itself writes its messages to (time limit, memory) besides the task's stderr.</summary>
    public string? SlurmStderr { get; set; }

    /// <summary>Set when the run cancelled the job, so that its CANCELLED state is not reported as a failure.</summary>
    public bool CancelledByRun { get; set; }

    public TaskCompletionSource Submitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<TaskOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The job id of the submission (the array's id for an element).</summary>
    public string? SubmissionId => Id is null ? null : Id.Split('_')[0];
}
