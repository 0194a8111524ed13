using Dagon.Places;
using Dagon.Processes;

namespace Dagon.Launching.Slurm;

/// <summary>
/// Slurm's commands on one place, each an argv run through <see cref="IPlace.RunAsync"/> (on an SSH login node: the
/// host's pooled connection, no login per call). Counts its calls, so a run can say how often it asked Slurm.
/// </summary>
internal sealed class SlurmCommands(IPlace place, SlurmOptions options)
{
    private int _sbatchCalls;
    private int _statusCalls;
    private int _scancelCalls;
    private bool _accountingDisabled;

    public IPlace Place => place;

    public SlurmOptions Options => options;

    public int SbatchCalls => _sbatchCalls;

    /// <summary>squeue calls that poll job states; lookups of a failed job's exit code are not counted here.</summary>
    public int StatusCalls => _statusCalls;

    public int ScancelCalls => _scancelCalls;

    /// <summary>Submits a job script; returns the job id.</summary>
    /// <exception cref="SlurmSubmitException">sbatch is missing or refused the job.</exception>
    public async Task<string> SubmitAsync(string scriptPath, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _sbatchCalls);
        var result = await RunAsync([options.Sbatch, "--parsable", scriptPath], cancellationToken).ConfigureAwait(false);
        var id = result.Succeeded ? SlurmOutputParser.JobId(result.Stdout) : null;
        return id ?? throw new SlurmSubmitException(
            $"sbatch on {place.Description} refused {scriptPath}: {string.Join(" ", result.StderrTail.Append(result.Stdout.Trim())).Trim()}");
    }

    /// <summary>One squeue call for every job of <paramref name="submissionIds"/>, finished ones included (while Slurm keeps them).</summary>
    public async Task<Dictionary<string, SlurmJobState>> QueueAsync(IReadOnlyCollection<string> submissionIds, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _statusCalls);
        var result = await RunAsync([options.Squeue, "-h", "-r", "-t", "all", "-j", string.Join(',', submissionIds), "-o", "%i|%T|%r"],
            cancellationToken).ConfigureAwait(false);
        // squeue fails when none of the ids is known any more ("Invalid job id specified"): every job has left it.
        return result.Succeeded ? SlurmOutputParser.Squeue(result.Stdout) : [];
    }

    /// <summary>
    /// Final states with exit codes, from what this site has: sacct with accounting; without it
    /// <c>scontrol show job</c> (kept for MinJobAge), then <c>sacct -c</c> (job completion log, readable by root).
    /// </summary>
    public async Task<Dictionary<string, SlurmJobState>> DetailsAsync(IReadOnlyCollection<string> submissionIds, CancellationToken cancellationToken)
    {
        var ids = string.Join(',', submissionIds);
        if (!_accountingDisabled)
        {
            var sacct = await RunAsync([options.Sacct, "-n", "-P", "-X", "-j", ids, "-o", "JobID,State,ExitCode"], cancellationToken).ConfigureAwait(false);
            if (sacct.Succeeded) return SlurmOutputParser.Sacct(sacct.Stdout);
            _accountingDisabled = true; // "Slurm accounting storage is disabled": ask the others from now on
        }

        var scontrol = await RunAsync([options.Scontrol, "-o", "show", "job"], cancellationToken).ConfigureAwait(false);
        var states = scontrol.Succeeded ? SlurmOutputParser.Scontrol(scontrol.Stdout) : [];
        if (submissionIds.All(id => states.Keys.Any(k => k == id || k.StartsWith(id + "_", StringComparison.Ordinal)))) return states;
        var completions = await RunAsync([options.Sacct, "-c", "-n", "-P", "-j", ids, "-o", "JobID,State,ExitCode"], cancellationToken).ConfigureAwait(false);
        if (completions.Succeeded)
        {
            foreach (var (id, state) in SlurmOutputParser.Sacct(completions.Stdout)) states.TryAdd(id, state);
        }

        return states;
    }

    public async Task CancelAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _scancelCalls);
        await RunAsync([options.Scancel, .. ids], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many of the jobs squeue still lists in its default view (pending, running, completing).</summary>
    public async Task<int> CountQueuedAsync(IReadOnlyCollection<string> submissionIds, CancellationToken cancellationToken)
    {
        var result = await RunAsync([options.Squeue, "-h", "-r", "-j", string.Join(',', submissionIds), "-o", "%i"], cancellationToken)
            .ConfigureAwait(false);
        return result.Succeeded ? result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length : 0;
    }

    /// <summary>Every partition: <c>NAME|AVAIL|CPUS|MEMORY|TIMELIMIT|PARTITION</c> (the last marks the default with '*').</summary>
    public Task<CommandResult> PartitionsAsync(CancellationToken cancellationToken) =>
        RunAsync([options.Sinfo, "-h", "-o", "%R|%a|%c|%m|%l|%P"], cancellationToken);

    /// <summary>The last lines of a file on the place; nothing when it does not exist.</summary>
    public async Task<IReadOnlyList<string>> TailAsync(string path, CancellationToken cancellationToken)
    {
        var result = await RunAsync(["tail", "-n", options.TailLines.ToString(System.Globalization.CultureInfo.InvariantCulture), path],
            cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList() : [];
    }

    private async Task<CommandResult> RunAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken)
    {
        try
        {
            return await place.RunAsync(new PlaceCommand(argv) { CaptureStdout = true }, cancellationToken).ConfigureAwait(false);
        }
        catch (ProcessLaunchException exception)
        {
            throw new SlurmSubmitException($"cannot run '{argv[0]}' on {place.Description} ({exception.Message}): is Slurm installed there? " +
                                           $"The command names are set in [slurm] of dagon.ini (sbatch, squeue, sacct, scancel, sinfo, scontrol)");
        }
    }
}
