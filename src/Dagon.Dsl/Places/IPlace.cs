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
    /// sha256 and size, and which of the paths are folders.
    /// </summary>
    /// <exception cref="MissingPathException">One of the paths does not exist.</exception>
    Task<FileListing> ListAsync(string root, IReadOnlyList<string> relativePaths, CancellationToken cancellationToken);

    /// <summary>The sha256 of each file, in order.</summary>
    Task<IReadOnlyList<string>> HashAsync(string root, IReadOnlyList<string> relativePaths, CancellationToken cancellationToken);

    /// <summary>The size and sha256 of each file, in order, measured where the files are (one round trip on a host).</summary>
    Task<IReadOnlyList<FileMeasure>> MeasureAsync(string root, IReadOnlyList<string> relativePaths, CancellationToken cancellationToken);

    /// <summary>Copies a file of this machine to <paramref name="path"/> on the place.</summary>
    Task UploadAsync(string localFile, string path, CancellationToken cancellationToken);

    /// <summary>Copies <paramref name="path"/> on the place to a file of this machine.</summary>
    Task DownloadAsync(string path, string localFile, CancellationToken cancellationToken);

    /// <summary>Writes a small text file on the place (a job script, a marker), replacing it, readable only by its owner.</summary>
    Task WriteTextAsync(string path, string text, CancellationToken cancellationToken);

    /// <summary>Renames a file on the place, replacing the target (atomic within one file system).</summary>
    Task MoveAsync(string from, string to, CancellationToken cancellationToken);
}
