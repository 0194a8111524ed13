using Microsoft.Extensions.Logging;

namespace Dagon.Places.Ssh;

/// <summary>One <see cref="SshConnection"/> per host endpoint, shared by every task, transfer and image step.</summary>
public sealed class SshConnectionPool(ILoggerFactory loggerFactory) : IDisposable
{
    private readonly Dictionary<string, SshConnection> _connections = new(StringComparer.Ordinal);

    public SshConnection For(SshHostOptions host)
    {
        // Profiles that point at the same account on the same host share one connection, unless they differ in how
        // the host is verified or commands are prefixed: a lax profile must never lend its connection to a strict one.
        var key = $"{host.User}@{host.Address}:{host.EffectivePort}|{host.KeyPath}|{host.KnownHostsPath}|{host.VerifiesHostKeys}|{host.Prologue}";
        lock (_connections)
        {
            if (!_connections.TryGetValue(key, out var connection))
            {
                connection = new SshConnection(host, loggerFactory.CreateLogger("Dagon.Ssh"));
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
