using Dagon.Places;
using Dagon.Scheduling;
using Dagon.Staging;

namespace Dagon.Launching;

/// <summary>
/// How a task's program is started on its place: directly as a process today, as a scheduler job next. A launcher
/// gets the finished argv (what runs) and the place (where it runs), so one launcher works on every place and for
/// every kind of task.
/// </summary>
public interface ITaskLauncher
{
    Task<TaskOutcome> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken);
}

/// <summary>One task's program, ready to start.</summary>
public sealed record LaunchRequest(IPlace Place, IReadOnlyList<string> Argv, TaskWorkspace Workspace)
{
    public TimeSpan? Timeout { get; init; }

    /// <summary>What dies when the task is stopped, for messages: "the container", "the process".</summary>
    public string Killed { get; init; } = "the process";

    public Action<string>? OnStdout { get; init; }

    public Action<string>? OnStderr { get; init; }

    /// <summary>The task being run: a scheduler launcher reads its name and resource request from it.</summary>
    public PlannedTask? Task { get; init; }

    /// <summary>Which attempt of the task this is, from 1; a scheduler launcher may grow its resource request with it.</summary>
    public int Attempt { get; init; } = 1;
}
