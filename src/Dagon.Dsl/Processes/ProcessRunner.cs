using System.ComponentModel;
using System.Text;
using CliWrap;

namespace Dagon.Processes;

/// <summary>The exit code of a finished process and the last lines it wrote to stderr.</summary>
public sealed record ProcessResult(int ExitCode, IReadOnlyList<string> StderrTail, IReadOnlyList<string> StdoutTail, string Stdout = "");

/// <summary>A process that could not be started at all (missing executable, permissions).</summary>
public sealed class ProcessLaunchException(string executable, Exception inner)
    : Exception($"could not start '{executable}': {inner.Message}", inner);

/// <summary>
/// Starts a program with an argv array (never a shell string) through CliWrap, streams its output line by line to
/// callbacks and files, and keeps the tail of each stream for error messages. Cancelling kills the process.
/// </summary>
public static class ProcessRunner
{
    public const int TailLines = 20;

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
        var captured = captureStdout ? new StringBuilder() : null;
        if (captured is not null)
        {
            var forward = onStdout;
            onStdout = line =>
            {
                lock (captured) captured.Append(line).Append('\n');
                forward?.Invoke(line);
            };
        }

        var stdoutTail = new TailBuffer(TailLines);
        var stderrTail = new TailBuffer(TailLines);
        await using var stdoutStream = stdoutFile is null ? null : OpenLog(stdoutFile);
        await using var stderrStream = stderrFile is null ? null : OpenLog(stderrFile);

        var command = Cli.Wrap(executable)
            .WithArguments(arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(Pipe(stdoutTail, onStdout, stdoutStream))
            .WithStandardErrorPipe(Pipe(stderrTail, onStderr, stderrStream));
        if (workingDirectory is not null) command = command.WithWorkingDirectory(workingDirectory);
        if (environment is { Count: > 0 }) command = command.WithEnvironmentVariables(environment);

        try
        {
            var result = await command.ExecuteAsync(cancellationToken).ConfigureAwait(false);
            return new ProcessResult(result.ExitCode, stderrTail.ToList(), stdoutTail.ToList(), captured?.ToString() ?? "");
        }
        catch (Win32Exception exception)
        {
            throw new ProcessLaunchException(executable, exception);
        }
        catch (InvalidOperationException exception) when (exception.InnerException is Win32Exception)
        {
            throw new ProcessLaunchException(executable, exception.InnerException);
        }
    }

    private static FileStream OpenLog(string path) =>
        new(path, FileMode.Create, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous);

    private static PipeTarget Pipe(TailBuffer tail, Action<string>? callback, Stream? file)
    {
        var lines = PipeTarget.ToDelegate(line =>
        {
            tail.Add(line);
            callback?.Invoke(line);
        }, Encoding.UTF8);
        return file is null ? lines : PipeTarget.Merge(lines, PipeTarget.ToStream(file));
    }

    private sealed class TailBuffer(int capacity)
    {
        private readonly Queue<string> _lines = new(capacity);

        public void Add(string line)
        {
            lock (_lines)
            {
                if (_lines.Count == capacity) _lines.Dequeue();
                _lines.Enqueue(line);
            }
        }

        public List<string> ToList()
        {
            lock (_lines) return [.. _lines];
        }
    }
}
