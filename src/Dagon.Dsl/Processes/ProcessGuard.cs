using CliWrap;

namespace Dagon.Processes;

/// <summary>
/// Runs each program the engine starts so that nothing outlives the engine or the task. A small POSIX shell script
/// starts the program with <c>setsid</c> (a session and process group of its own, so a detached grandchild such as
/// <c>(sleep 61 &amp;)</c> stays in it), and then:
/// <list type="bullet">
/// <item>on SIGINT/SIGTERM/SIGHUP (the engine cancelling it) sends TERM to the whole group, then KILL;</item>
/// <item>when the program ends, stops whatever it left running in its group the same way (TERM, then KILL), and
/// exits with the program's own status;</item>
/// <item>watches its standard input (with the shell's own <c>read</c>, no extra program), a pipe whose other end only
/// the engine holds: the kernel closes it when the engine dies of anything, SIGKILL included, and the guard then
/// stops the group as on a cancel (<see cref="GroupStop"/>), TERM first so that a program can clean up after itself (the Slurm job keeper
/// cancels the run's jobs), then KILL; or, if the program is so new that setsid has not yet made its group, KILLs
/// the program itself.</item>
/// </list>
/// Why a watcher process beside the <c>wait</c>: a shell notices a program's end through <c>wait</c> and the
/// engine's death through <c>read</c>, and cannot block on both; a SIGCHLD trap around the <c>read</c> instead (one
/// process start fewer) loses the race when the program ends just before the <c>read</c> blocks, and then hangs.
/// Why not a parent-death signal: it fires when the engine *thread* that started the child exits, and .NET's
/// thread-pool threads come and go, so it would kill healthy tasks.
/// </summary>
public static class ProcessGuard
{
    public const string Shell = "/bin/sh";

    private static readonly string Script =
        GroupStop.Function +
        "exec 3<&0; " +
        "setsid \"$@\" 3<&- </dev/null & pid=$!; " +
        "trap 'stop_group \"$pid\"; exit 143' INT TERM HUP; " +
        "{ while read -r _ <&3; do :; done; if kill -0 -\"$pid\" 2>/dev/null; then stop_group \"$pid\"; else kill -KILL \"$pid\" 2>/dev/null; fi; } & watch=$!; exec 3<&-; " +
        "wait \"$pid\"; status=$?; kill \"$watch\" 2>/dev/null; stop_group \"$pid\"; exit $status";

    /// <summary>The guard's argv for running <paramref name="executable"/> with <paramref name="arguments"/>.</summary>
    public static IReadOnlyList<string> Arguments(string executable, IReadOnlyList<string> arguments)
    {
        var argv = new List<string>(arguments.Count + 4) { "-c", Script, "dagon-guard", executable };
        argv.AddRange(arguments);
        return argv;
    }

    /// <summary>
    /// The guard's standard input: never written, never closed while the program runs. CliWrap ends it when the
    /// program exits; the kernel ends it when the engine dies.
    /// </summary>
    public static readonly PipeSource EngineAlive = PipeSource.Create(async (_, cancellationToken) =>
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    });
}
