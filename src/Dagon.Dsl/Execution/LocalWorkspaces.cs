using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging;

namespace Dagon.Execution;

/// <summary>Where tasks that run on this machine keep their files, and how those are removed after the run.</summary>
internal static class LocalWorkspaces
{
    public static TaskWorkspace Plan(PlannedTask task, RunContext run)
    {
        var parent = task.Definition.TmpDir ?? run.Options.ResolveTmpDir();
        return new TaskWorkspace(Path.Combine(Path.GetFullPath(parent), $"dagon-{run.RunId}", Names.Slug(task.DisplayName)));
    }

    /// <summary>Deletes the workspace unless the task (or the run) keeps it, and the run folder once it is empty.</summary>
    public static void Cleanup(PlannedTask task, RunContext run, ILogger logger)
    {
        var workspace = run.Workspaces[task.Index];
        if (!Directory.Exists(workspace.Root)) return;
        if (!(run.Options.Remove ?? task.Definition.Remove))
        {
            logger.LogInformation("Keeping working directory: {Directory}", workspace.Root);
            return;
        }

        logger.LogInformation("Cleaning up working directory: {Directory}", workspace.Root);
        try
        {
            Directory.Delete(workspace.Root, recursive: true);
            var runDirectory = Path.GetDirectoryName(workspace.Root)!;
            if (Directory.Exists(runDirectory) && !Directory.EnumerateFileSystemEntries(runDirectory).Any()) Directory.Delete(runDirectory);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not remove working directory {Directory}: {Reason}", workspace.Root, exception.Message);
        }
    }
}
