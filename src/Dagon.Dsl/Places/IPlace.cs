namespace Dagon.Places;

/// <summary>
/// Where a task runs: this machine or an SSH host. A place runs a program given as an argv array (never a shell
/// string), streams its output, and kills its whole process group when cancelled; it reads, writes and copies files.
/// Everything above places (launchers, images, staging) uses only this interface, so it works on any place.
/// Paths on a place are POSIX paths.
/// </summary>
public interface IPlace
{
    /// <summary>The host profile this place is, or null for this machine.</summary>
    string? Host { get; }

    /// <summary>"this machine" or "host 'NAME'", for messages.</summary>
    string Description { get; }

    /// <summary>Per-place settings (work and image folders, the Apptainer command); unset values fall back to the run's.</summary>
    PlaceSettings Settings { get; }

    /// <summary>The account, home directory and paths the place reports, asked once and kept.</summary>
    Task<PlaceInfo> ProbeAsync(CancellationToken cancellationToken);

    /// <summary>The full path of <paramref name="command"/> as the place's PATH finds it, or null.</summary>
    Task<string?> LocateAsync(string command, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a program to the end. Cancelling the token kills the program's whole process group on the place, then
    /// throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="PlaceUnavailableException">The place could not be reached, or was lost while the program ran.</exception>
    Task<CommandResult> RunAsync(PlaceCommand command, CancellationToken cancellationToken);

    /// <summary>Creates folders (and their parents) that only the engine's user and the container user may write.</summary>
    Task CreateDirectoriesAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken);

    /// <summary>Those of <paramref name="paths"/> that do not exist on the place.</summary>
    Task<IReadOnlyList<string>> FindMissingAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken);

    /// <summary>Deletes a folder tree; a missing folder is not an error.</summary>
    Task RemoveTreeAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Every file under <paramref name="relativePaths"/> (files or folders) below <paramref name="root"/>, with its
    /// sha256, and which of the paths are folders.
    /// </summary>
    /// <exception cref="MissingPathException">One of the paths does not exist.</exception>
    Task<FileListing> ListAsync(string root, IReadOnlyList<string> relativePaths, CancellationToken cancellationToken);

    /// <summary>The sha256 of each file, in order.</summary>
    Task<IReadOnlyList<string>> HashAsync(string root, IReadOnlyList<string> relativePaths, CancellationToken cancellationToken);

    /// <summary>Copies a file of this machine to <paramref name="path"/> on the place.</summary>
    Task UploadAsync(string localFile, string path, CancellationToken cancellationToken);

    /// <summary>Copies <paramref name="path"/> on the place to a file of this machine.</summary>
    Task DownloadAsync(string path, string localFile, CancellationToken cancellationToken);

    /// <summary>Renames a file on the place, replacing the target (atomic within one file system).</summary>
    Task MoveAsync(string from, string to, CancellationToken cancellationToken);
}

/// <summary>Settings a place may carry of its own; null means "the run's setting".</summary>
public sealed record PlaceSettings
{
    public static readonly PlaceSettings None = new();

    /// <summary>Parent folder of work directories; <c>~</c>, <c>$HOME</c> and <c>$USER</c> are expanded with the place's values.</summary>
    public string? TmpDir { get; init; }

    /// <summary>Where the place keeps its images, reused across runs.</summary>
    public string? ImageCacheDir { get; init; }

    /// <summary>The Apptainer command on the place.</summary>
    public string? Apptainer { get; init; }

    /// <summary>Images for this place are built on this machine and uploaded.</summary>
    public bool BuildImagesHere { get; init; }

    /// <summary>Build definition files with <c>--fakeroot</c> on the place.</summary>
    public bool? Fakeroot { get; init; }
}

/// <summary>What a place told about itself.</summary>
public sealed record PlaceInfo(string User, string Home)
{
    /// <summary>
    /// Expands <c>~</c>, <c>$HOME</c>, <c>${HOME}</c>, <c>$USER</c> and <c>${USER}</c> with the place's values. Done here,
    /// with values the place reported, rather than by a shell, so a configured path is never evaluated as code.
    /// </summary>
    public string Expand(string path)
    {
        if (path == "~") path = Home;
        else if (path.StartsWith("~/", StringComparison.Ordinal)) path = Home + path[1..];
        return path.Replace("${HOME}", Home, StringComparison.Ordinal).Replace("$HOME", Home, StringComparison.Ordinal)
            .Replace("${USER}", User, StringComparison.Ordinal).Replace("$USER", User, StringComparison.Ordinal);
    }
}

/// <summary>A program to run on a place.</summary>
public sealed record PlaceCommand(IReadOnlyList<string> Argv)
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Environment variables added for the program (on this machine; remote programs take them through <c>env</c>).</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Files on the place that receive the program's whole output, byte for byte.</summary>
    public string? StdoutFile { get; init; }

    public string? StderrFile { get; init; }

    /// <summary>
    /// A folder on the place that the engine owns for this program: where a remote place keeps the process group id
    /// and output pipes. Required for long-running programs on remote places (tasks); housekeeping may omit it.
    /// </summary>
    public string? ControlDirectory { get; init; }

    public Action<string>? OnStdout { get; init; }

    public Action<string>? OnStderr { get; init; }

    /// <summary>Keep stdout in <see cref="CommandResult.Stdout"/> (housekeeping commands that answer something).</summary>
    public bool CaptureStdout { get; init; }
}

/// <summary>How a program ended: its exit code (null when a signal killed it), captured stdout and the tail of stderr.</summary>
public sealed record CommandResult(int? ExitCode, string Stdout, IReadOnlyList<string> StderrTail, string? Signal = null)
{
    public const int TailLines = 20;

    public bool Succeeded => ExitCode == 0;
}

/// <summary>Files under some paths of a folder, relative to it, with their checksums.</summary>
public sealed record FileListing(IReadOnlyList<ListedFile> Files, IReadOnlyList<string> Directories);

public sealed record ListedFile(string RelativePath, string Sha256);

/// <summary>A place that could not be reached, refused the engine, or was lost; the message names the host and the cause.</summary>
public class PlaceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A path that a listing was asked for is not there.</summary>
public sealed class MissingPathException(string relativePath, string where) : Exception($"'{relativePath}' does not exist ({where})")
{
    public string RelativePath { get; } = relativePath;

    /// <summary>The full location looked at, as the user can find it.</summary>
    public string Where { get; } = where;
}
