using CliWrap;

namespace Dagon.Processes;

/// <summary>
/// Where one output stream of a process goes: byte for byte into its log file, and as bounded lines to a callback
/// and a tail kept for error messages. A log file that cannot be written (its disk is full) stops being written
/// without stopping the process; the first error is kept to be reported with the outcome.
/// </summary>
internal sealed class OutputPipe : PipeTarget, IAsyncDisposable
{
    private readonly Queue<string> _tail = new(ProcessRunner.TailLines);
    private readonly LineSplitter _lines;
    private readonly FileStream? _file;

    public OutputPipe(string? file, Action<string>? onLine)
    {
        _lines = new LineSplitter(line =>
        {
            lock (_tail)
            {
                if (_tail.Count == ProcessRunner.TailLines) _tail.Dequeue();
                _tail.Enqueue(line);
            }

            onLine?.Invoke(line);
        });
        _file = file is null ? null : new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
    }

    /// <summary>Why the log file is incomplete, or null.</summary>
    public string? FileError { get; private set; }

    public IReadOnlyList<string> Tail
    {
        get
        {
            lock (_tail) return [.. _tail];
        }
    }

    public override async Task CopyFromAsync(Stream origin, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await origin.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await WriteFileAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            _lines.Write(buffer.AsSpan(0, read));
        }

        _lines.Flush();
    }

    private async Task WriteFileAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_file is null || FileError is not null) return;
        try
        {
            await _file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false); // the log is read while the task runs (tail -f)
        }
        catch (IOException exception)
        {
            FileError = $"{_file.Name}: {exception.Message}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_file is null) return;
        try
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException exception)
        {
            FileError ??= $"{_file.Name}: {exception.Message}";
        }
    }
}
