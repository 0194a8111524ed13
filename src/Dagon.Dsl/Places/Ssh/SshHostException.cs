namespace Dagon.Places.Ssh;

/// <summary>A remote host cannot be reached, refuses us, or is not who known_hosts says it is.</summary>
public sealed class SshHostException(string message, Exception? inner = null) : PlaceUnavailableException(message, inner)
{
    /// <summary>
    /// The host refused us, or we refused it (its key is unknown, changed or revoked; our key was denied): trying again
    /// would only repeat it, and sshd penalises addresses that keep failing.
    /// </summary>
    public bool Refused { get; init; }
}
