using System.Net.Sockets;
using System.Text;
using Dagon.Execution.Processes;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Dagon.Execution.Ssh;

/// <summary>A remote host cannot be reached, refuses us, or is not who known_hosts says it is.</summary>
public sealed class SshHostException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The connection died while a command ran on it.</summary>
public sealed class SshConnectionLostException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>How a remote command ended: its exit code (null when it died of a signal) and the tail of its output.</summary>
public sealed record RemoteResult(int? ExitCode, string Stdout, IReadOnlyList<string> StderrTail, string? Signal = null)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Everything that talks to one host: a single SSH connection that carries every exec channel (commands and tasks,
/// up to <c>max_sessions</c> at once), and, opened only when files move, a second connection for SFTP. Why a second
/// one: SSH.NET runs SFTP only on a client of its own (sshnet/SSH.NET#381), and SFTP gives per-file errors and
/// needs nothing on the host, where streaming tar over exec channels would need tar there and mix its errors with
/// data. So a host sees at most two connections per run, whatever the number of tasks. A dropped connection is
/// opened again by the next caller; what ran on it is reported as lost.
/// </summary>
public sealed class SshHostConnection : IDisposable
{
    private const int StderrTailLines = 20;
    private readonly SshHostOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly SemaphoreSlim _sessions;
    private SshClient? _client;
    private SftpClient? _sftp;
    private Task<RemoteHostEnvironment>? _environment;
    private int _connections;
    private bool _disposed;

    public SshHostConnection(SshHostOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _sessions = new SemaphoreSlim(options.EffectiveMaxSessions);
    }

    public SshHostOptions Options => _options;

    /// <summary>SSH connections this object has opened (exec and SFTP), for tests and the run summary.</summary>
    public int ConnectionsOpened => Volatile.Read(ref _connections);

    /// <summary>The host's environment, probed by the first caller and kept for this connection's lifetime.</summary>
    internal Task<RemoteHostEnvironment> Remember(Func<Task<RemoteHostEnvironment>> probe)
    {
        lock (_sessions)
        {
            if (_environment is null || _environment.IsFaulted || _environment.IsCanceled) _environment = probe();
            return _environment;
        }
    }

    public async Task<SshClient> GetClientAsync(CancellationToken cancellationToken)
    {
        var client = _client;
        if (client is { IsConnected: true }) return client;
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_client is { IsConnected: true }) return _client;
            if (_client is not null)
            {
                _logger.LogWarning("SSH connection to {Host} ({Endpoint}) was lost; connecting again", _options.Name, _options.Describe());
                _client.Dispose();
                _client = null;
            }

            var fresh = new SshClient(CreateConnectionInfo());
            _client = await ConnectAsync(fresh, "SSH", cancellationToken).ConfigureAwait(false);
            _client.KeepAliveInterval = _options.KeepAlive;
            return _client;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    public async Task<SftpClient> GetSftpAsync(CancellationToken cancellationToken)
    {
        var sftp = _sftp;
        if (sftp is { IsConnected: true }) return sftp;
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_sftp is { IsConnected: true }) return _sftp;
            _sftp?.Dispose();
            _sftp = null;
            var fresh = new SftpClient(CreateConnectionInfo()) { OperationTimeout = _options.CommandTimeout };
            _sftp = await ConnectAsync(fresh, "SFTP", cancellationToken).ConfigureAwait(false);
            _sftp.KeepAliveInterval = _options.KeepAlive;
            return _sftp;
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
    public async Task<RemoteResult> RunAsync(
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
            var stdout = new StringBuilder();
            var stderrTail = new Queue<string>();
            var outputs = new List<Task>
            {
                PumpAsync(command.OutputStream, line =>
                {
                    if (captureStdout) lock (stdout) stdout.Append(line).Append('\n');
                    onStdout?.Invoke(line);
                }),
                PumpAsync(command.ExtendedOutputStream, line =>
                {
                    lock (stderrTail)
                    {
                        if (stderrTail.Count == StderrTailLines) stderrTail.Dequeue();
                        stderrTail.Enqueue(line);
                    }

                    onStderr?.Invoke(line);
                }),
            };

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (timeout is { } t) limit.CancelAfter(t);
            var execution = command.ExecuteAsync(CancellationToken.None);
            try
            {
                await execution.WaitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                var cancelledByCaller = cancellationToken.IsCancellationRequested;
                // Closing the channel does not stop the remote process: the caller's onCancel kills it on the host.
                if (onCancel is not null)
                {
                    try { await onCancel().ConfigureAwait(false); }
                    catch (Exception exception) { _logger.LogWarning("Could not stop the remote command on {Host}: {Reason}", _options.Name, exception.Message); }
                }

                try { command.CancelAsync(forceKill: true, millisecondsTimeout: 2000); } catch (Exception) { /* the channel may be gone already */ }
                try { await execution.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false); } catch (Exception) { /* reported as cancelled */ }
                if (!cancelledByCaller) throw new TimeoutException($"the command on host '{_options.Name}' ran longer than {timeout?.TotalSeconds:0.###} s");
                throw;
            }
            catch (Exception exception) when (exception is SshConnectionException or SshException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                throw new SshConnectionLostException(
                    $"the SSH connection to host '{_options.Name}' ({_options.Describe()}) was lost while a command was running on it: {exception.Message}",
                    exception);
            }

            await Task.WhenAll(outputs).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
            if (!client.IsConnected && command.ExitStatus is null)
            {
                throw new SshConnectionLostException(
                    $"the SSH connection to host '{_options.Name}' ({_options.Describe()}) was lost while a command was running on it");
            }

            string[] tail;
            lock (stderrTail) tail = [.. stderrTail];
            return new RemoteResult(command.ExitStatus, stdout.ToString(), tail, command.ExitSignal);
        }
        finally
        {
            if (!urgent) _sessions.Release();
        }
    }

    /// <summary>Runs a housekeeping script and returns its stdout; a non-zero exit is an error with the script's stderr.</summary>
    public async Task<string> RunCheckedAsync(string script, string what, CancellationToken cancellationToken)
    {
        RemoteResult result;
        try
        {
            result = await RunAsync(script, timeout: _options.CommandTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
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

    private ConnectionInfo CreateConnectionInfo()
    {
        if (string.IsNullOrWhiteSpace(_options.Address))
        {
            throw new SshHostException($"host profile '{_options.Name}' has no remote_ip (address or host name) in dagon.ini");
        }

        var user = string.IsNullOrWhiteSpace(_options.User) ? Environment.UserName : _options.User;
        var keyPath = ResolveKeyPath();
        PrivateKeyFile key;
        try
        {
            key = string.IsNullOrEmpty(_options.KeyPassphrase) ? new PrivateKeyFile(keyPath) : new PrivateKeyFile(keyPath, _options.KeyPassphrase);
        }
        catch (Exception exception) when (exception is SshException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new SshHostException($"cannot read the private key {keyPath} for host '{_options.Name}': {exception.Message}", exception);
        }

        var info = new ConnectionInfo(_options.Address, _options.EffectivePort, user, new PrivateKeyAuthenticationMethod(user, key))
        {
            Timeout = _options.ConnectTimeout,
        };
        if (_options.VerifiesHostKeys) PreferKnownHostKeyTypes(info);
        return info;
    }

    private string ResolveKeyPath()
    {
        if (!string.IsNullOrWhiteSpace(_options.KeyPath))
        {
            var path = ExpandLocalHome(_options.KeyPath);
            return File.Exists(path)
                ? path
                : throw new SshHostException($"the private key {path} (ssh_key of host '{_options.Name}') does not exist");
        }

        var ssh = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        foreach (var name in new[] { "id_ed25519", "id_ecdsa", "id_rsa" })
        {
            var candidate = Path.Combine(ssh, name);
            if (File.Exists(candidate)) return candidate;
        }

        throw new SshHostException(
            $"no private key for host '{_options.Name}': set ssh_key in dagon.ini, or create one with `ssh-keygen -t ed25519` " +
            $"and install it with `ssh-copy-id -p {_options.EffectivePort} {_options.User}@{_options.Address}`");
    }

    internal string KnownHostsPath => ExpandLocalHome(string.IsNullOrWhiteSpace(_options.KnownHostsPath) ? "~/.ssh/known_hosts" : _options.KnownHostsPath);

    private static string ExpandLocalHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : Path.GetFullPath(path);

    /// <summary>Offers the host only key types known_hosts has for it, as OpenSSH does, so a known host is never "unknown".</summary>
    private void PreferKnownHostKeyTypes(ConnectionInfo info)
    {
        var known = KnownHosts.Load(KnownHostsPath).KeyTypesFor(_options.Address!, _options.EffectivePort);
        if (known.Count == 0) return;
        bool Accepts(string algorithm) =>
            known.Contains(algorithm) || (known.Contains("ssh-rsa") && algorithm is "rsa-sha2-256" or "rsa-sha2-512");
        var keep = info.HostKeyAlgorithms.Keys.Where(Accepts).ToHashSet(StringComparer.Ordinal);
        if (keep.Count == 0) return;
        foreach (var algorithm in info.HostKeyAlgorithms.Keys.ToList())
        {
            if (!keep.Contains(algorithm)) info.HostKeyAlgorithms.Remove(algorithm);
        }
    }

    private async Task<T> ConnectAsync<T>(T client, string purpose, CancellationToken cancellationToken) where T : BaseClient
    {
        HostKeyCheck? check = null;
        var knownHosts = _options.VerifiesHostKeys ? KnownHosts.Load(KnownHostsPath) : null;
        client.HostKeyReceived += (_, e) =>
        {
            if (knownHosts is null)
            {
                _logger.LogWarning(
                    "Host key of {Host} ({Endpoint}) NOT verified (strict_host_key_checking = false): {Type} {Fingerprint}",
                    _options.Name, _options.Describe(), KnownHosts.KeyTypeOf(e.HostKey), KnownHosts.Fingerprint(e.HostKey));
                e.CanTrust = true;
                return;
            }

            check = knownHosts.Check(_options.Address!, _options.EffectivePort, e.HostKey);
            e.CanTrust = check.Status == HostKeyStatus.Trusted;
        };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            await client.ConnectAsync(timeout.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _connections);
            _logger.LogInformation("SSH connection established to {Host} ({Endpoint}, {Purpose})", _options.Name, _options.Describe(), purpose);
            return client;
        }
        catch (Exception exception)
        {
            client.Dispose();
            if (cancellationToken.IsCancellationRequested) throw;
            throw Explain(exception, check);
        }
    }

    private Exception Explain(Exception exception, HostKeyCheck? check)
    {
        var endpoint = _options.Describe();
        var scan = $"ssh-keyscan -p {_options.EffectivePort} {_options.Address} >> {KnownHostsPath}";
        if (check is { Status: not HostKeyStatus.Trusted })
        {
            var message = check.Status switch
            {
                HostKeyStatus.Changed =>
                    $"HOST KEY CHANGED for host '{_options.Name}' ({endpoint}): it offered {check.KeyType} key {check.Fingerprint}, but " +
                    $"{check.File} line {check.Line} holds a different one. This may be a man-in-the-middle attack, or the host was " +
                    $"reinstalled. If you have checked the new fingerprint with the host's administrator, remove the old entry " +
                    $"(ssh-keygen -R '{KnownHosts.LookupName(_options.Address!, _options.EffectivePort)}' -f {KnownHostsPath}) and run: {scan}",
                HostKeyStatus.Revoked =>
                    $"host '{_options.Name}' ({endpoint}) offered {check.KeyType} key {check.Fingerprint}, which {check.File} line {check.Line} marks @revoked",
                _ =>
                    $"unknown host key for host '{_options.Name}' ({endpoint}): {check.KeyType} {check.Fingerprint} is not in {KnownHostsPath}. " +
                    $"Check the fingerprint with the host's administrator, then trust it with: {scan} " +
                    "(or set strict_host_key_checking = false for this host, which is insecure and logged)",
            };
            return new SshHostException(message, exception);
        }

        return exception switch
        {
            SshAuthenticationException =>
                new SshHostException(
                    $"Permission denied (publickey) on host '{_options.Name}' ({endpoint}) for key {ResolveKeyPath()}: {exception.Message}. " +
                    $"Install the public key on the host with `ssh-copy-id -i {ResolveKeyPath()}.pub -p {_options.EffectivePort} {_options.User}@{_options.Address}` " +
                    "and check ssh_user and ssh_key in dagon.ini", exception),
            OperationCanceledException or SshOperationTimeoutException or TimeoutException =>
                new SshHostException(
                    $"cannot connect to host '{_options.Name}' ({endpoint}): no SSH answer within {_options.ConnectTimeout.TotalSeconds:0} s " +
                    "(connect_timeout_seconds). Is the host up, sshd running and port open? Try: ssh -v -p " +
                    $"{_options.EffectivePort} {_options.User}@{_options.Address}", exception),
            SocketException socket =>
                new SshHostException(
                    $"cannot connect to host '{_options.Name}' ({endpoint}): {socket.Message} ({socket.SocketErrorCode}). Is sshd running " +
                    $"on the host and listening on port {_options.EffectivePort}? Try: ssh -v -p {_options.EffectivePort} {_options.User}@{_options.Address}", exception),
            SshHostException => exception,
            _ => new SshHostException($"cannot connect to host '{_options.Name}' ({endpoint}): {exception.Message}", exception),
        };
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

/// <summary>One <see cref="SshHostConnection"/> per host endpoint, shared by every task, transfer and image step.</summary>
public sealed class SshConnectionPool(ILoggerFactory loggerFactory) : IDisposable
{
    private readonly Dictionary<string, SshHostConnection> _connections = new(StringComparer.Ordinal);

    public SshHostConnection For(SshHostOptions host)
    {
        // Profiles that point at the same account on the same host share one connection, unless they differ in how
        // the host is verified or commands are prefixed: a lax profile must never lend its connection to a strict one.
        var key = $"{host.User}@{host.Address}:{host.EffectivePort}|{host.KeyPath}|{host.KnownHostsPath}|{host.VerifiesHostKeys}|{host.Prologue}";
        lock (_connections)
        {
            if (!_connections.TryGetValue(key, out var connection))
            {
                connection = new SshHostConnection(host, loggerFactory.CreateLogger("Dagon.Ssh"));
                _connections[key] = connection;
            }

            return connection;
        }
    }

    /// <summary>SSH connections opened to all hosts so far.</summary>
    public int ConnectionsOpened
    {
        get
        {
            lock (_connections) return _connections.Values.Sum(c => c.ConnectionsOpened);
        }
    }

    public void Dispose()
    {
        lock (_connections)
        {
            foreach (var connection in _connections.Values) connection.Dispose();
            _connections.Clear();
        }
    }
}
