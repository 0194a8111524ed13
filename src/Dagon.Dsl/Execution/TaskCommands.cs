using Dagon.Containers;
using Dagon.Model;
using Dagon.Processes;
using Dagon.Scheduling;
using Dagon.Staging;

namespace Dagon.Execution;

/// <summary>
/// What a task runs, as an argv array for its place: <c>apptainer exec ...</c> for a container task, the shell for a
/// batch task. The same argv runs directly or inside a scheduler job, on this machine or on a host.
/// </summary>
internal static class TaskCommands
{
    /// <summary>POSIX sh, as DagOnStar's batch tasks use (Python's shell=True); <c>Shell("/bin/bash")</c> for bash.</summary>
    public const string DefaultBatchShell = "/bin/sh";

    public static IReadOnlyList<string> Container(PlannedTask task, RunState run, IReadOnlyList<StagedInput> inputs, OverlayMode overlay, bool silent,
        ContainerSettings? settings = null)
    {
        var workspace = run.Workspaces[task.Index];
        var command = InputStager.RewriteCommand(task.Definition.Command, inputs, input => input.ContainerDirectory);
        var mounts = inputs.Select(i => new InputMount(i.HostDirectory, i.ContainerDirectory)).ToList();
        return ApptainerCommandLine.Exec(run.Apptainers[task.Index]!, run.Images[task.Index]!, command, task.Definition, overlay,
            workspace.OverlayPath, workspace.WorkDir, mounts, silent, settings);
    }

    /// <summary>A batch task reads its inputs where they lie on its place (zero copy on one place, the copy otherwise).</summary>
    public static IReadOnlyList<string> Batch(PlannedTask task, IReadOnlyList<StagedInput> inputs)
    {
        var definition = task.Definition;
        var command = InputStager.RewriteCommand(definition.Command, inputs, input => ShellQuote.Quote(input.HostDirectory));
        var argv = new List<string>();
        if (definition.Environment.Count > 0)
        {
            // env sets the values literally, on every place: nothing re-parses them.
            argv.Add("env");
            argv.AddRange(definition.Environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}"));
        }

        argv.AddRange([definition.Shell ?? DefaultBatchShell, "-c", command]);
        return argv;
    }
}
