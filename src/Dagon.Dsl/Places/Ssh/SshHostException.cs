namespace Dagon.Places.Ssh;

/// <summary>A remote host cannot be reached, refuses us, or is not who known_hosts says it is.</summary>
public sealed class SshHostException(string message, Exception? inner = null) : PlaceUnavailableException(message, inner);
