namespace Dagon.Places;

/// <summary>A place that could not be reached, refused the engine, or was lost; the message names the host and the cause.</summary>
public class PlaceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
