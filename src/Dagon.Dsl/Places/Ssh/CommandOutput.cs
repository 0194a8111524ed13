using System.Text;
using Renci.SshNet;

namespace Dagon.Places.Ssh;

/// <summary>
/// The two output streams of one command on a host, read line by line as they arrive: each line goes to its
/// callback, stdout is kept when asked for, and the last lines of stderr are kept for the error message.
/// </summary>
internal sealed class CommandOutput
{
    private readonly StringBuilder _stdout = new();
    private readonly Queue<string> _stderrTail = new();

    public CommandOutput(SshCommand command, bool captureStdout, Action<string>? onStdout, Action<string>? onStderr)
    {
        Pumped = Task.WhenAll(
            PumpAsync(command.OutputStream, line =>
            {
                if (captureStdout) lock (_stdout) _stdout.Append(line).Append('\n');
                onStdout?.Invoke(line);
            }),
            PumpAsync(command.ExtendedOutputStream, line =>
            {
                KeepTail(line);
                onStderr?.Invoke(line);
            }));
    }

    /// <summary>Completes when both streams have ended.</summary>
    public Task Pumped { get; }

    public CommandResult Result(SshCommand command)
    {
        string[] tail;
        lock (_stderrTail) tail = [.. _stderrTail];
        string stdout;
        lock (_stdout) stdout = _stdout.ToString();
        return new CommandResult(command.ExitStatus, stdout, tail, command.ExitSignal);
    }

    private void KeepTail(string line)
    {
        lock (_stderrTail)
        {
            if (_stderrTail.Count == CommandResult.TailLines) _stderrTail.Dequeue();
            _stderrTail.Enqueue(line);
        }
    }

    private static async Task PumpAsync(Stream stream, Action<string> onLine)
    {
        await Task.Yield();
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line) onLine(line);
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
