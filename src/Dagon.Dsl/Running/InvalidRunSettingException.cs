namespace Dagon.Running;

/// <summary>A setting of the run that makes it pointless to start (an output file that cannot be written); nothing ran.</summary>
public sealed class InvalidRunSettingException(string message) : Exception(message);
