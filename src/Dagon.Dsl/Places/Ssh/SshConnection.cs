using System.Net.Sockets;
using System.Text;
using Dagon.Processes;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Dagon.Places.Ssh;

/// <summary>
/// Everything that talks to one host: a single SSH connection that carries every exec channel (commands and tasks,
/// up to <c>max_sessions</c> at once), and, opened only when files move, a second connection for SFTP. Why a second
/// one: SSH.NET runs SFTP only on a client of its own (sshnet/SSH.NET#381), and SFTP gives per-file errors and
/// needs nothing on the host, where streaming tar over exec channels would need tar there and mix its errors with
/// data. So a host sees at most two connections per run, whatever the number of tasks. A dropped connection is
/// opened again by the next caller; what ran on it is reported as lost.
/// </summary>
public sealed class SshConnection : IDisposable
{
    private readonly SshHostOptions _options;
    private readonly ILogger _logger;
    private readonly SshConnector _connector;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly SemaphoreSlim _sessions;
    private SshClient? _client;
    private SftpClient? _sftp;
    private int _connections;
    private bool _disposed;
    private SshHostException? _refused;

    public SshConnection(SshHostOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _connector = new SshConnector(options, logger);
        _sessions = new SemaphoreSlim(options.EffectiveMaxSessions);
    }

    public SshHostOptions Options => _options;

    /// <summary>SSH connections this object has opened (exec and SFTP), for tests and the run summary.</summary>
    public int ConnectionsOpened => Volatile.Read(ref _connections);

    public Task<SshClient> GetClientAsync(CancellationToken cancellationToken) =>
        GetConnectedAsync(() => _client, c => _client = c, () => new SshClient(_connector.CreateConnectionInfo()), "SSH", cancellationToken);

    public Task<SftpClient> GetSftpAsync(CancellationToken cancellationToken) =>
        GetConnectedAsync(() => _sftp, c => _sftp = c,
            () => new SftpClient(_connector.CreateConnectionInfo()) { OperationTimeout = _options.CommandTimeout }, "SFTP", cancellationToken);

    /// <summary>The client if it is still connected; otherwise a new one, connected once whoever asks at the same time.</summary>
    private async Task<T> GetConnectedAsync<T>(Func<T?> current, Action<T?> store, Func<T> create, string purpose, CancellationToken cancellationToken)
        where T : BaseClient
    {
        if (current() is { IsConnected: true } connected) return connected;
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (current() is { IsConnected: true } raced) return raced;
            if (current() is { } lost)
            {
                _logger.LogWarning("{Purpose} connection to {Host} ({Endpoint}) was lost; connecting again", purpose, _options.Name, _options.Describe());
                lost.Dispose();
                store(null);
            }

            if (_refused is not null) throw new SshHostException(_refused.Message, _refused) { Refused = true };
            T client;
            try
            {
                client = await _connector.ConnectClientAsync(create(), purpose, cancellationToken).ConfigureAwait(false);
            }
            catch (SshHostException refused) when (refused.Refused)
            {
                _refused = refused; // never connect to this host again in this engine
                throw;
            }

            Interlocked.Increment(ref _connections);
            client.KeepAliveInterval = _options.KeepAlive;
            store(client);
            return client;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>
    /// Runs a POSIX shell script on the host (after the profile's prologue) on one exec channel, streaming its
    /// output lines. The script is handed to <c>/bin/sh -c</c> as one quoted word, so the login shell (which may
    /// be csh on old sites) only ever sees a single-quoted string.
    /// </summary>
    public async Task<CommandResult> RunScriptAsync(
        string script,
        Action<string>? onStdout = null,
        Action<string>? onStderr = null,
        bool captureStdout = true,
        TimeSpan? timeout = null,
        Func<Task>? onCancel = null,
        CancellationToken cancellationToken = default,
        bool urgent = false)
    {
        // Urgent commands (killing a cancelled task) skip the limit: when every session runs a task, waiting for a
        // free one would wait for the very tasks they are meant to stop. max_sessions stays below sshd's MaxSessions
        // to leave room for them.
        if (!urgent) await _sessions.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Taken after the wait for a free session, so a connection re-established meanwhile is the one used.
            var client = await GetClientAsync(cancellationToken).ConfigureAwait(false);
            var full = string.IsNullOrWhiteSpace(_options.Prologue) ? script : _options.Prologue.TrimEnd() + "\n" + script;
            using var command = client.CreateCommand("/bin/sh -c " + ShellQuote.Quote(full), Encoding.UTF8);
            var output = new CommandOutput(command, captureStdout, onStdout, onStderr);

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (timeout is { } t) limit.CancelAfter(t);
            var execution = command.ExecuteAsync(CancellationToken.None);
            // Held open, never written, closed when this method is done with the command: on the host, end of file on
            // this input is how a program's watcher learns that the engine is gone (RemoteTaskScript).
            using var engineAlive = HoldInput(command);
            try
            {
                await execution.WaitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                var cancelledByCaller = cancellationToken.IsCancellationRequested;
                await StopAsync(command, execution, onCancel).ConfigureAwait(false);
                if (!cancelledByCaller) throw new TimeoutException($"the command on host '{_options.Name}' ran longer than {timeout?.TotalSeconds:0.###} s");
                throw;
            }
            catch (Exception exception) when (exception is SshConnectionException or SshException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                throw Lost(exception);
            }

            await output.Pumped.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
            if (!client.IsConnected && command.ExitStatus is null) throw Lost();
            return output.Result(command);
        }
        finally
        {
            if (!urgent) _sessions.Release();
        }
    }

    /// <summary>Closing the channel does not stop the remote process: the caller's onCancel kills it on the host first.</summary>
    private async Task StopAsync(SshCommand command, Task execution, Func<Task>? onCancel)
    {
        if (onCancel is not null)
        {
            try { await onCancel().ConfigureAwait(false); }
            catch (Exception exception) { _logger.LogWarning("Could not stop the remote command on {Host}: {Reason}", _options.Name, exception.Message); }
        }

        try { command.CancelAsync(forceKill: true, millisecondsTimeout: 2000); } catch (Exception) { /* the channel may be gone already */ }
        try { await execution.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false); } catch (Exception) { /* reported as cancelled */ }
    }

    private SshConnectionLostException Lost(Exception? cause = null) => new(
        $"the SSH connection to host '{_options.Name}' ({_options.Describe()}) was lost while a command was running on it" +
        (cause is null ? "" : ": " + cause.Message), cause);

    private static Stream? HoldInput(SshCommand command)
    {
        try
        {
            return command.CreateInputStream();
        }
        catch (InvalidOperationException)
        {
            return null; // the command has ended already: there is nothing left to watch
        }
    }

    /// <summary>Runs a housekeeping script and returns its stdout; a non-zero exit is an error with the script's stderr.</summary>
    public async Task<string> RunCheckedAsync(string script, string what, CancellationToken cancellationToken)
    {
        CommandResult result;
        try
        {
            result = await RunScriptAsync(script, timeout: _options.CommandTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new SshHostException($"{what} on host '{_options.Name}' took longer than {_options.CommandTimeout.TotalSeconds:0} s (command_timeout_seconds)");
        }

        if (!result.Succeeded)
        {
            var detail = result.StderrTail.Count > 0 ? ": " + string.Join(" | ", result.StderrTail) : "";
            throw new SshHostException($"{what} on host '{_options.Name}' failed (exit {result.ExitCode?.ToString() ?? result.Signal ?? "?"}){detail}");
        }

        return result.Stdout;
    }

    public void Dispose()
    {
        _disposed = true;
        _client?.Dispose();
        _sftp?.Dispose();
        _sessions.Dispose();
        _connectLock.Dispose();
    }
}
