using Dagon.Processes;

namespace Dagon.Places.Ssh;

/// <summary>
/// The shell scripts that run a long program on a host and stop it again. Every program runs in a process group of
/// its own, watched through the channel's input: the engine keeps that input open for the program's whole life and
/// never writes to it, so end of file there means the engine is gone (killed, or its connection lost, which makes
/// sshd close the pipe), and the watcher stops the whole group as a cancel would. The program itself reads
/// <c>/dev/null</c>, so it can neither consume nor close the watched input. A program that ends by itself has what
/// it left behind in its group stopped the same way, as on this machine (<see cref="GroupStop"/>, one rule for both).
/// </summary>
internal static class RemoteTaskScript
{
    public static TimeSpan KillGrace => GroupStop.Grace;

    /// <summary>
    /// The remote side of one task. <c>setsid</c> puts the program in a process group of its own whose id is
    /// written to a file in <paramref name="controlDirectory"/> before anything else runs, so a cancel can kill the whole group from
    /// another channel. Output goes through FIFOs to <c>tee</c>, so it streams back and also stays in the log files, as
    /// for local tasks. Every argv element is quoted; the user's command is one of them, run by the container's shell.
    /// </summary>
    public static string Run(IReadOnlyList<string> command, string controlDirectory, string? workingDirectory, string? stdoutFile, string? stderrFile)
    {
        var q = ShellQuote.Quote;
        var control = controlDirectory.TrimEnd('/');
        var argv = new List<string> { "setsid", "-w", "/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", PidFile(control) };
        argv.AddRange(command);
        var (outPipe, errPipe) = (q(control + "/.stdout.pipe"), q(control + "/.stderr.pipe"));
        var cd = workingDirectory is null ? "" : $"cd {q(workingDirectory)} || exit 125; ";
        var teeOut = stdoutFile is null ? "cat" : $"tee {q(stdoutFile)}";
        var teeErr = stderrFile is null ? "cat" : $"tee {q(stderrFile)}";
        return $"{cd}rm -f {outPipe} {errPipe} {q(PidFile(control))}; mkfifo {outPipe} {errPipe} || exit 125; " +
               $"{teeOut} < {outPipe} & {teeErr} < {errPipe} >&2 & " +
               Watched($"{ShellQuote.Join(argv)} > {outPipe} 2> {errPipe}", StopGroup(control)) +
               $"wait; rm -f {outPipe} {errPipe}; exit $status";
    }

    /// <summary>
    /// The remote side of a program run without a control directory (image pulls and builds, listings): a process
    /// group of its own, started in the background, where a non-interactive shell leaves it outside any group it
    /// could lead, so <c>setsid</c> makes the group in place (no fork) and its id is <c>$!</c>.
    /// </summary>
    public static string Guarded(IReadOnlyList<string> command, string? workingDirectory)
    {
        var cd = workingDirectory is null ? "" : $"cd {ShellQuote.Quote(workingDirectory)} || exit 125; ";
        return cd + Watched(ShellQuote.Join(["setsid", "-w", .. command]), StopGroup("\"$program\"", fromFile: false)) + "exit $status";
    }

    /// <summary>
    /// Starts <paramref name="program"/> in the background with <c>/dev/null</c> as input, and a watcher that reads
    /// the channel's input (kept as fd 3) until end of file, then runs <paramref name="stop"/>. The watcher ignores
    /// TERM once it is stopping, so the end of the program cannot cut its escalation to KILL short; when the
    /// program ends first, the watcher is killed while it still only reads, so it never outlives the program, and
    /// what the program left running in its group (<c>$program</c>, which <c>setsid</c> made a group leader) is
    /// stopped: left alone, it would also hold the output FIFOs open, and the script would wait for it.
    /// Leaves the program's exit status in <c>$status</c>.
    /// </summary>
    private static string Watched(string program, string stop) =>
        $"{GroupStop.Function}exec 3<&0; {program} < /dev/null 3<&- & program=$!; " +
        $"( while read -r _; do :; done; trap '' TERM; {stop} ) <&3 3<&- & watcher=$!; exec 3<&-; " +
        "wait $program; status=$?; kill $watcher 2>/dev/null; stop_group $program; ";

    /// <summary>
    /// TERM to the program's process group, then KILL after a grace period. The group id comes from the pid file,
    /// or, when the program was stopped before it wrote it (and so before <c>setsid</c> made its group), the
    /// program's own pid gets KILL.
    /// </summary>
    private static string StopGroup(string controlOrGroup, bool fromFile = true)
    {
        var read = fromFile
            ? $"pg=$(cat {ShellQuote.Quote(PidFile(controlOrGroup))} 2>/dev/null); [ -n \"$pg\" ] || {{ kill -KILL \"$program\" 2>/dev/null; exit 0; }}; "
            : $"pg={controlOrGroup}; ";
        return read + Escalate;
    }

    /// <summary>TERM to the program's process group, then KILL after a grace period.</summary>
    public static string Kill(string controlDirectory)
    {
        var q = ShellQuote.Quote(PidFile(controlDirectory.TrimEnd('/')));
        return $"{GroupStop.Function}pg=$(cat {q} 2>/dev/null) || exit 0; [ -n \"$pg\" ] || exit 0; " + Escalate;
    }

    /// <summary>Stops the group <c>$pg</c> by <see cref="GroupStop"/>'s rule (defined earlier in the script) and ends it.</summary>
    private const string Escalate = "stop_group \"$pg\"; exit 0";

    public static string PidFile(string controlDirectory) => controlDirectory.TrimEnd('/') + "/task.pgid";
}
