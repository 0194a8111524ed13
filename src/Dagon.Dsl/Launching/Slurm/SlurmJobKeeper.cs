using Dagon.Places;
using Dagon.Processes;
using Microsoft.Extensions.Logging;

namespace Dagon.Launching.Slurm;

/// <summary>
/// Keeps a SIGKILLed engine from orphaning its jobs: one small shell program per place that has jobs of the run,
/// started through <see cref="IPlace.RunAsync"/> before the run's first sbatch there and living as long as the run.
/// The place stops it when the engine dies (locally <see cref="ProcessGuard"/> sends TERM when the engine's pipe
/// closes; on an SSH host the remote task script does so when the engine's channel closes), and its trap then asks
/// squeue for the user's queued or running jobs whose name starts with the run's prefix and scancels them.
/// Why by name rather than by a list of ids: a job whose sbatch was under way when the engine died has no id the
/// engine ever saw, and the name costs no extra call per submission. A normal end stops it the same way: every job of
/// the run has ended by then, so its one squeue finds nothing and nothing is cancelled.
/// </summary>
internal sealed class SlurmJobKeeper(SlurmCommands commands, string jobNamePrefix, ILogger logger)
{
    /// <summary>The line the keeper prints once its trap is set: no job is submitted before it.</summary>
    public const string ReadyLine = "dagon-slurm-keeper ready";

    // Only the user's own jobs (-u rather than --me, which Slurm before 20.11 lacks) in states that still hold or wait
    // for resources are cancelled; %F is an array's own id (the plain id of any other job), so one scancel of it takes
    // every element. The ids are digits, split on purpose (set -f).
    private const string Script =
        "squeue=$1 scancel=$2 prefix=$3; " +
        "cancel_jobs() { trap '' INT TERM HUP; trap - EXIT; " +
        "ids=$(\"$squeue\" -u \"$(id -un)\" -h -t PD,CF,R,S,RQ,RH,RS -o '%F %j' | " +
        "while read -r id name; do case $name in \"$prefix\"*) printf '%s\\n' \"$id\";; esac; done | sort -u); " +
        "set -f; if [ -n \"$ids\" ]; then \"$scancel\" $ids; fi; exit 0; }; " +
        "trap cancel_jobs INT TERM HUP EXIT; " +
        "echo '" + ReadyLine + "'; " +
        "while :; do sleep 3600 & wait $!; done";

    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _started;
    private Task _running = Task.CompletedTask;

    /// <summary>The keeper's argv: the job-name prefix and Slurm's command names are arguments, never shell text.</summary>
    public static IReadOnlyList<string> Arguments(SlurmOptions options, string jobNamePrefix) =>
        [ProcessGuard.Shell, "-c", Script, "dagon-slurm-keeper", options.Squeue, options.Scancel, jobNamePrefix];

    /// <summary>Starts the keeper on the first call; every call returns once its trap is set (or it could not start).</summary>
    public Task StartAsync(string runDirectory)
    {
        lock (_gate) return _started ??= StartOnceAsync(runDirectory);
    }

    private async Task StartOnceAsync(string runDirectory)
    {
        // Its own folder: on a remote place the program's process group and output pipes are kept there.
        var control = runDirectory.TrimEnd('/') + "/.slurm-keeper";
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await commands.Place.CreateDirectoriesAsync([control], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is PlaceUnavailableException or IOException or UnauthorizedAccessException)
        {
            Warn(exception.Message);
            return;
        }

        var command = new PlaceCommand(Arguments(commands.Options, jobNamePrefix))
        {
            ControlDirectory = control,
            OnStdout = line => { if (line.Trim() == ReadyLine) ready.TrySetResult(); },
        };
        _running = RunAsync(command, ready);
        await ready.Task.ConfigureAwait(false);
    }

    private async Task RunAsync(PlaceCommand command, TaskCompletionSource ready)
    {
        try
        {
            var result = await commands.Place.RunAsync(command, _stop.Token).ConfigureAwait(false);
            if (!_stop.IsCancellationRequested) Warn($"it ended early (exit code {result.ExitCode?.ToString() ?? result.Signal}: {string.Join(" ", result.StderrTail)})");
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception exception) when (exception is PlaceUnavailableException or ProcessLaunchException or IOException)
        {
            if (!_stop.IsCancellationRequested) Warn(exception.Message);
        }
        finally
        {
            ready.TrySetResult();
        }
    }

    private void Warn(string reason) =>
        logger.LogWarning("The Slurm job keeper on {Place} is not running ({Reason}): if the engine dies, cancel the run's jobs ({Prefix}*) by hand",
            commands.Place.Description, reason, jobNamePrefix);

    /// <summary>At the run's end: stops the keeper and waits for it to be gone; its trap finds no job left to cancel.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Task? started;
        lock (_gate) started = _started;
        if (started is not null) await started.ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        _stop.Dispose();
    }
}
