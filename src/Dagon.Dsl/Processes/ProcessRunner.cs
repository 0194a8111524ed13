using System.ComponentModel;
using System.Text;
using CliWrap;

namespace Dagon.Processes;

/// <summary>The exit code of a finished process, the last lines of its output, and why its log files are incomplete, if they are.</summary>
public sealed record ProcessResult(int ExitCode, IReadOnlyList<string> StderrTail, IReadOnlyList<string> StdoutTail, string Stdout = "",
    string? LogError = null);

/// <summary>A process that could not be started at all (missing executable, permissions).</summary>
public sealed class ProcessLaunchException(string executable, string reason)
    : Exception($"could not start '{executable}': {reason}");

/// <summary>
/// Starts a program with an argv array (never a shell string) through CliWrap, streams its output in bounded lines
/// to callbacks and byte for byte to files, and keeps the tail of each stream for error messages. Every program
/// runs under <see cref="ProcessGuard"/>: in a process group of its own that dies when it is cancelled, when it ends,
/// and when the engine itself dies, even of SIGKILL.
/// </summary>
public static class ProcessRunner
{
    public const int TailLines = 20;

    /// <summary>How long a cancelled program has between SIGTERM to its group and SIGKILL.</summary>
    public static TimeSpan KillGrace => GroupStop.Grace;

    public static async Task<ProcessResult> RunAsync(
        string executable,
        IReadOnlyList<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        Action<string>? onStdout = null,
        Action<string>? onStderr = null,
        string? stdoutFile = null,
        string? stderrFile = null,
        bool captureStdout = false,
        CancellationToken cancellationToken = default)
    {
        var resolved = Resolve(executable);
        var captured = captureStdout ? new StringBuilder() : null;
        if (captured is not null) onStdout = Capture(captured, onStdout);
        await using var stdout = new OutputPipe(stdoutFile, onStdout);
        await using var stderr = new OutputPipe(stderrFile, onStderr);

        var command = Cli.Wrap(ProcessGuard.Shell)
            .WithArguments(ProcessGuard.Arguments(resolved, arguments))
            .WithValidation(CommandResultValidation.None)
            .WithStandardInputPipe(ProcessGuard.EngineAlive)
            .WithStandardOutputPipe(stdout)
            .WithStandardErrorPipe(stderr);
        if (workingDirectory is not null) command = command.WithWorkingDirectory(workingDirectory);
        if (environment is { Count: > 0 }) command = command.WithEnvironmentVariables(environment);

        // Cancelling asks the guard to stop the group (SIGINT to it: TERM, then KILL to the group); only if the
        // guard itself does not end is it killed outright.
        using var forceful = new CancellationTokenSource();
        await using var escalate = cancellationToken.Register(() => forceful.CancelAfter(KillGrace + TimeSpan.FromSeconds(5)));
        try
        {
            var result = await command.ExecuteAsync(forceful.Token, cancellationToken).ConfigureAwait(false);
            await stdout.DisposeAsync().ConfigureAwait(false);
            await stderr.DisposeAsync().ConfigureAwait(false);
            var logError = stdout.FileError ?? stderr.FileError;
            return new ProcessResult(result.ExitCode, stderr.Tail, stdout.Tail, captured?.ToString() ?? "", logError);
        }
        catch (Win32Exception exception)
        {
            throw new ProcessLaunchException(executable, exception.Message);
        }
        catch (InvalidOperationException exception) when (exception.InnerException is Win32Exception inner)
        {
            throw new ProcessLaunchException(executable, inner.Message);
        }
    }

    /// <summary>The program's full path, found as a shell would, so a missing one fails here with its name.</summary>
    private static string Resolve(string executable) =>
        ExecutableSearch.Find(executable) ?? throw new ProcessLaunchException(executable,
            executable.Contains('/') ? "no such file" : $"not found on PATH ({Environment.GetEnvironmentVariable("PATH")})");

    private static Action<string> Capture(StringBuilder captured, Action<string>? forward) => line =>
    {
        lock (captured) captured.Append(line).Append('\n');
        forward?.Invoke(line);
    };
}
