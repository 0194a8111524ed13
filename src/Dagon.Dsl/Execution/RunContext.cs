using Dagon.Hosting;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging;

namespace Dagon.Execution;

/// <summary>State shared by everything taking part in one run.</summary>
public sealed class RunContext
{
    public RunContext(ExecutionPlan plan, DagonOptions options, ILoggerFactory loggerFactory)
    {
        Plan = plan;
        Options = options;
        LoggerFactory = loggerFactory;
        Workspaces = new TaskWorkspace[plan.Tasks.Count];
        Timings = plan.Tasks.Select(_ => new TaskTimings()).ToArray();
    }

    public ExecutionPlan Plan { get; }

    public DagonOptions Options { get; }

    public ILoggerFactory LoggerFactory { get; }

    public string RunId => Plan.RunId;

    /// <summary>Each task's workspace, by <see cref="PlannedTask.Index"/>.</summary>
    public TaskWorkspace[] Workspaces { get; }

    public TaskTimings[] Timings { get; }

    /// <summary>Tasks' loggers are named after the task, so log lines read "[A] ...".</summary>
    public ILogger TaskLogger(PlannedTask task) => LoggerFactory.CreateLogger($"Dagon.Task.{task.DisplayName}");

    /// <summary>Name shown in logs for a task's container: <c>a-1f2e3d4c-1760051924696</c>.</summary>
    public string ContainerName(PlannedTask task) => $"{Names.Slug(task.DisplayName).ToLowerInvariant()}-{RunId}";
}
