using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Dagon.Execution.Apptainer;
using Dagon.Execution.Processes;
using Dagon.Model;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dagon.Execution.Ssh;

/// <summary>
/// Runs Apptainer tasks on remote hosts over SSH: the task's host names a profile of dagon.ini (or is an
/// <c>ssh://user@host:port</c> address). Per task on the critical path: one exec channel on the host's pooled
/// connection, running <c>apptainer exec</c> under <c>setsid</c> so that cancelling kills the whole remote process
/// group, not just the channel.
/// </summary>
public sealed class SshApptainerBackend(
    SshHostProfiles profiles,
    SshConnectionPool pool,
    RemoteImageCache images,
    IOptions<ApptainerOptions> apptainerOptions,
    ILogger<SshApptainerBackend> logger) : ITaskBackend
{
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(3);
    private readonly ConcurrentDictionary<(string RunId, int Task), string> _images = new();
    private readonly ConcurrentDictionary<(string RunId, int Task), Task> _overlays = new();

    public string Name => "ssh-apptainer";

    public bool CanRun(PlannedTask task) =>
        task.Definition.Kind is TaskKind.Apptainer or TaskKind.Batch && task.Definition.Host is { } host && profiles.Knows(host);

    /// <summary>
    /// The remote root as configured, <c>$USER</c> not yet expanded: expansion needs the host's answer, which
    /// <see cref="PrepareAsync"/> gets and then replaces the workspace with.
    /// </summary>
    public TaskWorkspace PlanWorkspace(PlannedTask task, RunContext run)
    {
        string parent;
        try
        {
            parent = task.Definition.TmpDir ?? profiles.Resolve(task.Definition.Host!).EffectiveTmpDir;
        }
        catch (SshHostException)
        {
            parent = new SshHostOptions().EffectiveTmpDir; // the profile's error is reported by PrepareAsync
        }

        return new TaskWorkspace($"{parent.TrimEnd('/')}/dagon-{run.RunId}/{Names.Slug(task.DisplayName)}", task.Definition.Host);
    }

    public async Task<IReadOnlyList<PreparationFailure>> PrepareAsync(IReadOnlyList<PlannedTask> tasks, RunContext run, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(tasks.GroupBy(t => t.Definition.Host!, StringComparer.Ordinal)
            .Select(group => PrepareHostAsync(group.Key, group.ToList(), run, cancellationToken))).ConfigureAwait(false);
        return results.SelectMany(r => r).ToList();
    }

    private async Task<IReadOnlyList<PreparationFailure>> PrepareHostAsync(string hostName, IReadOnlyList<PlannedTask> tasks, RunContext run, CancellationToken cancellationToken)
    {
        SshHostOptions host;
        SshHostConnection connection;
        RemoteHostEnvironment environment;
        try
        {
            host = profiles.Resolve(hostName);
            connection = pool.For(host);
            environment = await RemoteHostEnvironment.ProbeAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is SshHostException or SshConnectionLostException)
        {
            return tasks.Select(t => new PreparationFailure(t, exception.Message)).ToList();
        }

        var containerTasks = tasks.Where(t => t.Definition.Kind == TaskKind.Apptainer).ToList();
        if (environment.ApptainerPath is null && containerTasks.Count > 0)
        {
            var message = $"'{host.EffectiveApptainer}' was not found on host '{hostName}' ({host.Describe()}). Install Apptainer there; " +
                          "on HPC sites where it is a module set prologue = . /etc/profile; module load apptainer in the host's dagon.ini section, " +
                          "and on older sites apptainer = singularity";
            return containerTasks.Select(t => new PreparationFailure(t, message)).ToList();
        }

        logger.LogInformation("Host {Host} ({Endpoint}): {Version} at {Path}, user {User}",
            hostName, host.Describe(), environment.ApptainerVersion, environment.ApptainerPath, environment.User);

        foreach (var task in tasks)
        {
            var planned = run.Workspaces[task.Index];
            run.Workspaces[task.Index] = planned with { Root = environment.Expand(planned.Root) };
        }

        var failures = new List<PreparationFailure>();
        var byImage = containerTasks.GroupBy(t => t.ImageReference!, StringComparer.Ordinal).ToList();
        var preparations = byImage.Select(async group =>
        {
            var stopwatch = Stopwatch.StartNew();
            try
            {
                var source = ImageSource.Parse(group.Key, group.First().Workflow.BaseDirectory);
                var path = await images.PrepareAsync(connection, environment, source, cancellationToken).ConfigureAwait(false);
                foreach (var task in group)
                {
                    _images[(run.RunId, task.Index)] = path;
                    run.Timings[task.Index].ImagePreparation = stopwatch.Elapsed;
                }

                return Array.Empty<PreparationFailure>();
            }
            catch (Exception exception) when (exception is ImagePreparationException or SshHostException or SshConnectionLostException
                                                  or ApptainerNotFoundException or FormatException or Renci.SshNet.Common.SshException)
            {
                return group.Select(task => new PreparationFailure(task, exception.Message)).ToArray();
            }
        }).ToList();
        foreach (var result in await Task.WhenAll(preparations).ConfigureAwait(false)) failures.AddRange(result);
        if (failures.Count > 0) return failures;

        // One round trip creates every work directory of the host and reports bind sources missing there.
        var q = ShellQuote.Quote;
        var script = new StringBuilder("set -e; umask 077; ");
        foreach (var task in tasks) script.Append($"mkdir -p {q(run.Workspaces[task.Index].WorkDir)}; ");
        script.Append("set +e; ");
        foreach (var task in tasks)
        {
            foreach (var bind in task.Definition.BindPaths)
            {
                script.Append($"[ -e {q(bind.Source)} ] || printf '%s\\t%s\\n' {task.Index} {q(bind.Source)}; ");
            }
        }

        try
        {
            var missing = await connection.RunCheckedAsync(script.ToString(), "creating work directories", cancellationToken).ConfigureAwait(false);
            foreach (var line in missing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var tab = line.IndexOf('\t', StringComparison.Ordinal);
                var task = run.Plan.Tasks[int.Parse(line[..tab], System.Globalization.CultureInfo.InvariantCulture)];
                failures.Add(new PreparationFailure(task, $"bind source '{line[(tab + 1)..]}' does not exist on host '{hostName}'"));
            }
        }
        catch (Exception exception) when (exception is SshHostException or SshConnectionLostException)
        {
            return tasks.Select(t => new PreparationFailure(t, exception.Message)).ToList();
        }

        if (failures.Count > 0) return failures;

        foreach (var task in containerTasks.Where(t => OverlayOf(t) == OverlayMode.Image))
        {
            _overlays[(run.RunId, task.Index)] = CreateOverlayAsync(connection, task, run.Workspaces[task.Index], cancellationToken);
        }

        return failures;
    }

    public async Task<TaskOutcome> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var task = execution.Task;
        var run = execution.Run;
        var workspace = execution.Workspace;
        var host = profiles.Resolve(task.Definition.Host!);
        var connection = pool.For(host);
        var taskLogger = run.TaskLogger(task);
        var container = run.ContainerName(task);
        var hostName = task.Definition.Host!;

        var pidFile = workspace.Root.TrimEnd('/') + "/task.pgid";
        string script;
        if (task.Definition.Kind == TaskKind.Batch)
        {
            // A batch task reads its inputs where they lie on the host (zero copy on one host, the copy otherwise).
            var command = InputStager.RewriteCommand(task.Definition.Command, execution.Inputs, input => ShellQuote.Quote(input.HostDirectory));
            var argv = new List<string> { "env" };
            argv.AddRange(task.Definition.Environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}"));
            argv.AddRange([task.Definition.Shell ?? "/bin/sh", "-c", command]);
            script = TaskScript(workspace, pidFile, argv);
            logger.LogInformation("Executing on host {Host}: {Command}", hostName, task.Definition.Command);
        }
        else
        {
            logger.LogInformation("Preparing remote Apptainer container: {Container} on {Host}", container, hostName);
            if (_overlays.TryGetValue((run.RunId, task.Index), out var overlayCreation))
            {
                var overlayWatch = Stopwatch.StartNew();
                try
                {
                    await overlayCreation.ConfigureAwait(false);
                    execution.Timings.Overlay = overlayWatch.Elapsed;
                }
                catch (Exception exception) when (exception is SshHostException or SshConnectionLostException)
                {
                    return TaskOutcome.Failed(exception.Message);
                }
            }

            var command = InputStager.RewriteCommand(task.Definition.Command, execution.Inputs, input => input.ContainerDirectory);
            var args = ApptainerCommandLine.Exec(_images[(run.RunId, task.Index)], command, task.Definition, OverlayOf(task),
                workspace.OverlayPath, workspace.WorkDir, execution.Inputs, apptainerOptions.Value.Silent);
            script = TaskScript(workspace, pidFile, [host.EffectiveApptainer, .. args]);
            logger.LogInformation("Remote container {Container} prepared successfully", container);
            logger.LogInformation("Executing in remote container on {Host}: {Command}", hostName, task.Definition.Command);
        }

        var stopwatch = Stopwatch.StartNew();
        try
        {
            var result = await connection.RunAsync(
                script,
                onStdout: line => taskLogger.LogInformation("[{Task}] {Line}", task.DisplayName, line),
                onStderr: line => taskLogger.LogWarning("[{Task}] {Line}", task.DisplayName, line),
                captureStdout: false,
                timeout: task.Definition.Timeout,
                onCancel: () => KillRemoteAsync(connection, pidFile),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            execution.Timings.Execution = stopwatch.Elapsed;
            if (result.ExitCode == 0) return TaskOutcome.Success;
            if (result.ExitCode is null)
            {
                return TaskOutcome.Failed($"the command on host '{hostName}' was killed by signal {result.Signal ?? "?"}", errorTail: result.StderrTail);
            }

            return TaskOutcome.Failed($"command exited with code {result.ExitCode} on host '{hostName}'", result.ExitCode, result.StderrTail);
        }
        catch (TimeoutException) when (task.Definition.Timeout is { } limit)
        {
            execution.Timings.Execution = stopwatch.Elapsed;
            return TaskOutcome.Failed($"timed out after {limit.TotalSeconds:0.###} s; its process group on host '{hostName}' was killed");
        }
        catch (OperationCanceledException)
        {
            execution.Timings.Execution = stopwatch.Elapsed;
            return TaskOutcome.Cancelled($"the run was cancelled; the task's process group on host '{hostName}' was killed");
        }
        catch (SshConnectionLostException exception)
        {
            execution.Timings.Execution = stopwatch.Elapsed;
            return TaskOutcome.Failed(
                $"{exception.Message}. The task did not finish; its processes on the host may still run (process group in {pidFile}). " +
                "The connection is opened again for the tasks that follow.");
        }
        catch (SshHostException exception)
        {
            return TaskOutcome.Failed(exception.Message);
        }
    }

    /// <summary>
    /// The remote side of one task. <c>setsid</c> puts the task's process (apptainer, or the shell of a batch task) in a
    /// process group of its own whose id is written to
    /// <paramref name="pidFile"/> before anything else runs, so a cancel can kill the whole group from another channel.
    /// Output goes through FIFOs to <c>tee</c>, so it streams back and also stays in stdout.log and stderr.log beside
    /// the work directory (kept with <c>remove=false</c>), as for local tasks. Every argv element is quoted; the user's
    /// command is one of them, run by the container's shell.
    /// </summary>
    internal static string TaskScript(TaskWorkspace workspace, string pidFile, IReadOnlyList<string> command)
    {
        var q = ShellQuote.Quote;
        var argv = new List<string> { "setsid", "-w", "/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", pidFile };
        argv.AddRange(command);
        var (outPipe, errPipe) = (q(workspace.Root.TrimEnd('/') + "/.stdout.pipe"), q(workspace.Root.TrimEnd('/') + "/.stderr.pipe"));
        return $"cd {q(workspace.WorkDir)} || exit 125; rm -f {outPipe} {errPipe}; mkfifo {outPipe} {errPipe} || exit 125; " +
               $"tee {q(workspace.StdoutPath)} < {outPipe} & tee {q(workspace.StderrPath)} < {errPipe} >&2 & " +
               $"{ShellQuote.Join(argv)} > {outPipe} 2> {errPipe} < /dev/null; status=$?; wait; rm -f {outPipe} {errPipe}; exit $status";
    }

    /// <summary>TERM to the task's process group, then KILL after a grace period; bounded, over a fresh channel.</summary>
    internal static async Task KillRemoteAsync(SshHostConnection connection, string pidFile)
    {
        var q = ShellQuote.Quote(pidFile);
        var polls = (int)(KillGrace.TotalMilliseconds / 200);
        var script =
            $"pg=$(cat {q} 2>/dev/null) || exit 0; [ -n \"$pg\" ] || exit 0; kill -TERM -\"$pg\" 2>/dev/null || exit 0; " +
            $"i=0; while [ $i -lt {polls} ]; do kill -0 -\"$pg\" 2>/dev/null || exit 0; sleep 0.2; i=$((i+1)); done; " +
            "kill -KILL -\"$pg\" 2>/dev/null; exit 0"; // no "--" after the signal: dash, /bin/sh on Debian, rejects it
        using var limit = new CancellationTokenSource(KillGrace + TimeSpan.FromSeconds(10));
        await connection.RunAsync(script, timeout: KillGrace + TimeSpan.FromSeconds(5), cancellationToken: limit.Token, urgent: true).ConfigureAwait(false);
    }

    public async Task CleanupAsync(PlannedTask task, RunContext run, CancellationToken cancellationToken)
    {
        _images.TryRemove((run.RunId, task.Index), out _);
        if (_overlays.TryRemove((run.RunId, task.Index), out var overlay))
        {
            try { await overlay.ConfigureAwait(false); } catch (Exception) { /* reported by the task */ }
        }

        var workspace = run.Workspaces[task.Index];
        var hostName = task.Definition.Host!;
        if (!(run.Options.Remove ?? task.Definition.Remove))
        {
            logger.LogInformation("Keeping remote working directory on {Host}: {Directory}", hostName, workspace.Root);
            return;
        }

        var connection = pool.For(profiles.Resolve(hostName));
        var q = ShellQuote.Quote;
        var runDirectory = workspace.Root.TrimEnd('/');
        runDirectory = runDirectory[..runDirectory.LastIndexOf('/')];
        logger.LogInformation("Cleaning up remote working directory on {Host}: {Directory}", hostName, workspace.Root);
        try
        {
            using var limit = new CancellationTokenSource(connection.Options.CommandTimeout);
            // rm may need write permission that a container left unset on its own folders.
            await connection.RunCheckedAsync(
                $"chmod -R u+rwX {q(workspace.Root)} 2>/dev/null; rm -rf -- {q(workspace.Root)}; " +
                // The run's shared copies of other machines' files (.inputs) go with the last task folder.
                $"if cd {q(runDirectory)} 2>/dev/null && [ -z \"$(ls -A | grep -vx .inputs)\" ]; then chmod -R u+rwX .inputs 2>/dev/null; rm -rf .inputs; fi; " +
                $"cd / && rmdir -- {q(runDirectory)} 2>/dev/null; exit 0",
                "cleaning up", limit.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is SshHostException or SshConnectionLostException or OperationCanceledException)
        {
            logger.LogWarning("Could not remove remote working directory {Directory} on {Host}: {Reason}", workspace.Root, hostName, exception.Message);
        }
    }

    private OverlayMode OverlayOf(PlannedTask task) => apptainerOptions.Value.Overlay ?? task.Definition.Overlay;

    private async Task CreateOverlayAsync(SshHostConnection connection, PlannedTask task, TaskWorkspace workspace, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var size = task.Definition.OverlaySizeMb;
        logger.LogInformation("Creating {Size}MB overlay for {Task} on {Host}...", size, task.DisplayName, task.Definition.Host);
        var argv = new List<string> { connection.Options.EffectiveApptainer };
        argv.AddRange(ApptainerCommandLine.CreateOverlay(size, workspace.OverlayPath));
        try
        {
            await connection.RunCheckedAsync(ShellQuote.Join(argv), $"creating the {size} MB overlay {workspace.OverlayPath}", cancellationToken).ConfigureAwait(false);
        }
        catch (SshHostException exception) when (exception.Message.Contains("space", StringComparison.OrdinalIgnoreCase))
        {
            throw new SshHostException(exception.Message + $" There is not enough free space in {workspace.Root}: free some, choose another tmp_dir, or lower the overlay size.");
        }

        logger.LogInformation("Overlay created on {Host}: {Path}", task.Definition.Host, workspace.OverlayPath);
    }
}
