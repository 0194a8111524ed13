namespace Dagon.Images;

/// <summary>An image ready to exec on a place: a SIF file or sandbox directory there, and how long it took to get.</summary>
public sealed record PreparedImage(string Path, TimeSpan Elapsed);

/// <summary>An image that could not be built or found; the message carries Apptainer's own words.</summary>
public sealed class ImagePreparationException(string message) : Exception(message);
