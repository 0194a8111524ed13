namespace Dagon.Places.Ssh;

/// <summary>The connection died while a command ran on it.</summary>
public sealed class SshConnectionLostException(string message, Exception? inner = null) : PlaceUnavailableException(message, inner);
