using System.Collections.Concurrent;
namespace Dagon.Places.Ssh;

/// <summary>SSH hosts as places: a profile of dagon.ini (<c>[host:NAME]</c>, <c>[ssh]</c>) or an <c>ssh://</c> address.</summary>
public sealed class SshPlaceProvider(SshHostProfiles profiles, SshConnectionPool pool, LocalFiles.ContainerUserAccess localAccess) : IPlaceProvider
{
    private readonly ConcurrentDictionary<string, SshPlace> _places = new(StringComparer.Ordinal);

    public bool Knows(string host) => profiles.Knows(host);

    public IPlace Get(string host) =>
        _places.GetOrAdd(host, name =>
        {
            var profile = profiles.Resolve(name);
            return new SshPlace(name, pool.For(profile), localAccess, profile);
        });
}
