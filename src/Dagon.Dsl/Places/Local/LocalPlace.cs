using Dagon.LocalFiles;
using Dagon.Processes;

namespace Dagon.Places.Local;

/// <summary>
/// This machine as a place: programs run as child processes (argv through CliWrap; cancelling kills the process
/// tree), files are files. Tasks on one machine read each other's files where they lie, so nothing is copied.
/// </summary>
public sealed class LocalPlace(ContainerUserAccess access) : IPlace
{
    private static readonly Task<PlaceInfo> Info = Task.FromResult(new PlaceInfo(
        Environment.UserName, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)));

    public string? Host => null;

    public string Description => "this machine";

    public PlaceSettings Settings => PlaceSettings.None;

    public Task<PlaceInfo> ProbeAsync(CancellationToken cancellationToken) => Info;

    public Task<string?> LocateAsync(string command, CancellationToken cancellationToken) => Task.FromResult(ExecutableSearch.Find(command));

    public async Task<CommandResult> RunAsync(PlaceCommand command, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(
            command.Argv[0],
            command.Argv.Skip(1).ToArray(),
            command.WorkingDirectory,
            command.Environment,
            command.OnStdout,
            command.OnStderr,
            command.StdoutFile,
            command.StderrFile,
            command.CaptureStdout,
            cancellationToken).ConfigureAwait(false);
        return new CommandResult(result.ExitCode, result.Stdout, result.StderrTail, LogError: result.LogError);
    }

    public Task CreateDirectoriesAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        foreach (var path in paths) access.CreateDirectory(path);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> FindMissingAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(paths.Where(p => !File.Exists(p) && !Directory.Exists(p)).ToList());

    public Task RemoveTreeAsync(string path, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        return Task.CompletedTask;
    }

    public Task<FileListing> ListAsync(string root, IReadOnlyList<string> relativePaths, CancellationToken cancellationToken)
    {
        var files = new List<ListedFile>();
        var directories = new List<string>();
        foreach (var path in relativePaths)
        {
            var full = Path.Combine(root, path);
            if (File.Exists(full))
            {
                files.Add(new ListedFile(path, FileDigest.Sha256(full), new FileInfo(full).Length));
            }
            else if (Directory.Exists(full))
            {
                directories.Add(path);
                foreach (var file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
                {
                    files.Add(new ListedFile(Path.GetRelativePath(root, file).Replace('\\', '/'), FileDigest.Sha256(file), new FileInfo(file).Length));
                }
            }
            else
            {
                throw new MissingPathException(path, full);
            }
        }

        return Task.FromResult(new FileListing(files.DistinctBy(f => f.RelativePath).ToList(), directories));
    }

    public Task<IReadOnlyList<string>> HashAsync(string root, IReadOnlyList<string> relativePaths, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(relativePaths.Select(p => FileDigest.Sha256(Path.Combine(root, p))).ToList());

    public Task<IReadOnlyList<FileMeasure>> MeasureAsync(string root, IReadOnlyList<string> relativePaths, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<FileMeasure>>(relativePaths
            .Select(p => Path.Combine(root, p))
            .Select(full => new FileMeasure(new FileInfo(full).Length, FileDigest.Sha256(full))).ToList());

    public Task UploadAsync(string localFile, string path, CancellationToken cancellationToken)
    {
        access.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(localFile, path, overwrite: true);
        return Task.CompletedTask;
    }

    public Task DownloadAsync(string path, string localFile, CancellationToken cancellationToken) => UploadAsync(path, localFile, cancellationToken);

    public async Task WriteTextAsync(string path, string text, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(path, text, cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public Task MoveAsync(string from, string to, CancellationToken cancellationToken)
    {
        File.Move(from, to, overwrite: true);
        return Task.CompletedTask;
    }

}
