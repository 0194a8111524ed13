using Dagon.Processes;

namespace Dagon.Places.Ssh;

/// <summary>The shell scripts that run a long program on a host and stop it again.</summary>
internal static class RemoteTaskScript
{
    public static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The remote side of one program. <c>setsid</c> puts the program in a process group of its own whose id is
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
        return $"{cd}rm -f {outPipe} {errPipe}; mkfifo {outPipe} {errPipe} || exit 125; " +
               $"{teeOut} < {outPipe} & {teeErr} < {errPipe} >&2 & " +
               $"{ShellQuote.Join(argv)} > {outPipe} 2> {errPipe} < /dev/null; status=$?; wait; rm -f {outPipe} {errPipe}; exit $status";
    }

    /// <summary>TERM to the program's process group, then KILL after a grace period.</summary>
    public static string Kill(string controlDirectory)
    {
        var q = ShellQuote.Quote(PidFile(controlDirectory.TrimEnd('/')));
        var polls = (int)(KillGrace.TotalMilliseconds / 200);
        return $"pg=$(cat {q} 2>/dev/null) || exit 0; [ -n \"$pg\" ] || exit 0; kill -TERM -\"$pg\" 2>/dev/null || exit 0; " +
               $"i=0; while [ $i -lt {polls} ]; do kill -0 -\"$pg\" 2>/dev/null || exit 0; sleep 0.2; i=$((i+1)); done; " +
               "kill -KILL -\"$pg\" 2>/dev/null; exit 0"; // no "--" after the signal: dash, /bin/sh on Debian, rejects it
    }

    public static string PidFile(string controlDirectory) => controlDirectory.TrimEnd('/') + "/task.pgid";
}
