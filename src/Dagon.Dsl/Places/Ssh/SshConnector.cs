using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Dagon.Places.Ssh;

/// <summary>
/// Opens verified, authenticated SSH and SFTP clients to one host: the private key, the known_hosts check (and
/// offering only the key types known_hosts holds, as OpenSSH does), and a message that names the host, the cause and
/// the command that fixes it when a connection fails.
/// </summary>
internal sealed class SshConnector(SshHostOptions options, ILogger logger)
{
    private readonly SshHostOptions _options = options;
    private readonly ILogger _logger = logger;

    public ConnectionInfo CreateConnectionInfo()
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

    public async Task<T> ConnectClientAsync<T>(T client, string purpose, CancellationToken cancellationToken) where T : BaseClient
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
            return new SshHostException(message, exception) { Refused = true };
        }

        return exception switch
        {
            SshAuthenticationException =>
                new SshHostException(
                    $"Permission denied (publickey) on host '{_options.Name}' ({endpoint}) for key {ResolveKeyPath()}: {exception.Message}. " +
                    $"Install the public key on the host with `ssh-copy-id -i {ResolveKeyPath()}.pub -p {_options.EffectivePort} {_options.User}@{_options.Address}` " +
                    "and check ssh_user and ssh_key in dagon.ini", exception) { Refused = true },
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
}
