using Dagon.Places;

namespace Dagon.Images;

/// <summary>
/// Where the image policy looks for files: this machine's image cache, or a remote place's. The policy
/// (<see cref="ImagePlanner"/>) asks only this, so a host gets exactly the rules this machine gets.
/// </summary>
internal interface IImageStore
{
    /// <summary>Said after what the policy logs: empty for this machine, <c> on host 'NAME'</c> for a place.</summary>
    string Where { get; }

    /// <summary>A configured folder (a cache or a library folder) as a full path where the store is.</summary>
    string Folder(string configured);

    /// <summary>The first of <paramref name="paths"/> that exists, or null.</summary>
    Task<string?> FirstExistingAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken);

    /// <summary>A small text file's content, trimmed, or null when it does not exist.</summary>
    Task<string?> ReadTextAsync(string path, CancellationToken cancellationToken);

    /// <summary>Writes a small text file, replacing it whole (the folder is made when missing).</summary>
    Task WriteTextAsync(string path, string text, CancellationToken cancellationToken);
}

/// <summary>This machine's files.</summary>
internal sealed class LocalImageStore : IImageStore
{
    public static readonly LocalImageStore Instance = new();

    public string Where => "";

    public string Folder(string configured) => Path.GetFullPath(configured);

    public Task<string?> FirstExistingAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken) =>
        Task.FromResult(paths.FirstOrDefault(File.Exists));

    public async Task<string?> ReadTextAsync(string path, CancellationToken cancellationToken) =>
        File.Exists(path) ? (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim() : null;

    public Task WriteTextAsync(string path, string text, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = $"{path}.{Guid.NewGuid():N}.partial";
        File.WriteAllText(partial, text);
        File.Move(partial, path, overwrite: true);
        return Task.CompletedTask;
    }
}

/// <summary>A remote place's files, asked over the place (one round trip per question).</summary>
internal sealed class PlaceImageStore(IPlace place, PlaceInfo info) : IImageStore
{
    public string Where => " on " + place.Description;

    public string Folder(string configured) => info.Expand(configured).TrimEnd('/');

    public async Task<string?> FirstExistingAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        if (paths.Count == 0) return null;
        var missing = (await place.FindMissingAsync(paths, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        return paths.FirstOrDefault(p => !missing.Contains(p));
    }

    public async Task<string?> ReadTextAsync(string path, CancellationToken cancellationToken)
    {
        if (await FirstExistingAsync([path], cancellationToken).ConfigureAwait(false) is null) return null;
        var result = await place.RunAsync(new PlaceCommand(["cat", path]) { CaptureStdout = true }, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result.Stdout.Trim() : null;
    }

    public async Task WriteTextAsync(string path, string text, CancellationToken cancellationToken)
    {
        await place.CreateDirectoriesAsync([path[..path.LastIndexOf('/')]], cancellationToken).ConfigureAwait(false);
        await place.WriteTextAsync(path, text, cancellationToken).ConfigureAwait(false);
    }
}
