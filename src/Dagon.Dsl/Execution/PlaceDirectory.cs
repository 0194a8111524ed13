using Dagon.Places;
using Dagon.Places.Local;

namespace Dagon.Execution;

/// <summary>Finds the place a task names: this machine when it names none, otherwise the provider that knows the host.</summary>
public sealed class PlaceDirectory(LocalPlace local, IEnumerable<IPlaceProvider> providers)
{
    private readonly IReadOnlyList<IPlaceProvider> _providers = providers.ToList();

    public LocalPlace Local => local;

    /// <exception cref="PlaceUnavailableException">No provider knows the host, or its settings are invalid.</exception>
    public IPlace For(string? host)
    {
        if (host is null) return local;
        var provider = _providers.FirstOrDefault(p => p.Knows(host))
            ?? throw new PlaceUnavailableException(
                $"no place '{host}' is configured: add a [host:{host}] section (or [ssh]) to dagon.ini, and register SSH hosts (AddDagonSsh)");
        return provider.Get(host);
    }
}
