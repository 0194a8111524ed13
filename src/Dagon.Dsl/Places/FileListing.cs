namespace Dagon.Places;

/// <summary>Files under some paths of a folder, relative to it, with their checksums.</summary>
public sealed record FileListing(IReadOnlyList<ListedFile> Files, IReadOnlyList<string> Directories);

public sealed record ListedFile(string RelativePath, string Sha256, long? Size = null);

/// <summary>A file's size in bytes and its sha256, as the place that holds it measured them.</summary>
public readonly record struct FileMeasure(long Size, string Sha256);

/// <summary>A path that a listing was asked for is not there.</summary>
public sealed class MissingPathException(string relativePath, string where) : Exception($"'{relativePath}' does not exist ({where})")
{
    public string RelativePath { get; } = relativePath;

    /// <summary>The full location looked at, as the user can find it.</summary>
    public string Where { get; } = where;
}
