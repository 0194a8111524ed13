namespace Dagon.Places;

/// <summary>Gives the places of one kind (SSH hosts, ...) by the host name tasks use.</summary>
public interface IPlaceProvider
{
    /// <summary>True when <paramref name="host"/> names a place of this provider.</summary>
    bool Knows(string host);

    /// <exception cref="PlaceUnavailableException">The host's settings are missing or invalid.</exception>
    IPlace Get(string host);
}
