using Dagon.Journal;
using Dagon.LocalFiles;
using Dagon.Places.Local;
using Dagon.Staging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dagon.Dsl.Tests.Journal;

/// <summary>Keeping a task's logs on this machine: the final ones by a second name, earlier attempts' as copies.</summary>
public sealed class TaskLogsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-logs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (TaskLogs Logs, TaskWorkspace Workspace, StateFolder State) Setup()
    {
        var workspace = new TaskWorkspace(Path.Combine(_root, "tmp", "dagon-run", "A"));
        Directory.CreateDirectory(workspace.Root);
        File.WriteAllText(workspace.StdoutPath, "out\n");
        File.WriteAllText(workspace.StderrPath, "err\n");
        var state = new StateFolder(Path.Combine(_root, "state"), "run");
        return (new TaskLogs(state, NullLogger.Instance), workspace, state);
    }

    private static readonly LocalPlace Local = new(new ContainerUserAccess(null));

    [Fact]
    public async Task The_final_logs_are_the_work_folders_files_under_a_second_name_and_outlive_the_folder()
    {
        var (logs, workspace, state) = Setup();

        var stderr = await logs.KeepAsync(Local, "A", workspace, 0, CancellationToken.None);
        File.AppendAllText(workspace.StdoutPath, "same file\n"); // a copy would not see this

        Assert.Equal(state.LogPath("A", "err"), stderr);
        Assert.Equal("out\nsame file\n", File.ReadAllText(state.LogPath("A", "out")));
        Directory.Delete(workspace.Root, recursive: true);
        Assert.Equal("err\n", File.ReadAllText(stderr));
    }

    [Fact]
    public async Task An_earlier_attempts_logs_are_copies_the_next_attempt_cannot_overwrite()
    {
        var (logs, workspace, state) = Setup();

        await logs.KeepAsync(Local, "A", workspace, 1, CancellationToken.None);
        File.WriteAllText(workspace.StdoutPath, "second attempt\n"); // truncated and rewritten in place, as the next attempt does

        Assert.Equal("out\n", File.ReadAllText(state.LogPath("A", "out", 1)));
    }

    [Fact]
    public async Task A_task_that_never_started_gets_no_log()
    {
        var (logs, _, state) = Setup();

        await logs.KeepAsync(Local, "B", new TaskWorkspace(Path.Combine(_root, "tmp", "dagon-run", "B")), 0, CancellationToken.None);

        Assert.False(File.Exists(state.LogPath("B", "out")));
        Assert.False(File.Exists(state.LogPath("B", "err")));
    }
}
