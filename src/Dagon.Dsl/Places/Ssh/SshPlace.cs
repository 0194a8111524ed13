using System.Text;
using Dagon.Concurrency;
using Dagon.LocalFiles;
using Dagon.Processes;
using Renci.SshNet.Common;

namespace Dagon.Places.Ssh;

/// <summary>
/// An SSH host as a place. Programs run on exec channels of the host's pooled connection; a program given a control
/// directory runs under <c>setsid</c> with its process-group id recorded there, so cancelling kills the whole remote
/// group, not just the channel; every program's group is also stopped on the host when the engine's channel goes
/// away (<see cref="RemoteTaskScript"/>). Files move over SFTP; checksums and listings are computed on the host.
/// </summary>
public sealed class SshPlace(string host, SshConnection connection, ContainerUserAccess localAccess, SshHostOptions? profile = null) : IPlace
{
    private readonly OnceByKey<string, PlaceInfo> _probe = new(StringComparer.Ordinal);

    public string? Host => host;

    public string Description => $"host '{host}'";

    internal SshConnection Connection => connection;

    /// <summary>
    /// The profile's own settings: profiles that share one connection (the same account on the same host) may still
    /// differ in work folders, image caches or isolation.
    /// </summary>
    public PlaceSettings Settings { get; } = SettingsOf(profile ?? connection.Options);

    private static PlaceSettings SettingsOf(SshHostOptions options) => new()
    {
        TmpDir = options.EffectiveTmpDir,
        ImageCacheDir = options.EffectiveImageCacheDir,
        LibraryDirs = options.LibraryDirs,
        Apptainer = options.EffectiveApptainer,
        BuildImagesHere = options.ImageBuild == RemoteImageBuild.Local,
        Isolation = options.Isolation ?? Model.ContainerIsolation.Unset,
        Fakeroot = options.Fakeroot ?? true, // hosts are unprivileged
    };

    public Task<PlaceInfo> ProbeAsync(CancellationToken cancellationToken) =>
        _probe.GetAsync("info", async () =>
        {
            var output = await connection.RunCheckedAsync("printf '%s\\n' \"${USER:-$(id -un)}\" \"$HOME\"", "probing the host", cancellationToken)
                .ConfigureAwait(false);
            var lines = output.Split('\n');
            return new PlaceInfo(lines[0].Trim(), lines.Length > 1 ? lines[1].Trim() : "");
        });

    public async Task<string?> LocateAsync(string command, CancellationToken cancellationToken)
    {
        var output = await connection.RunCheckedAsync($"command -v {ShellQuote.Quote(command)} || true", "looking for " + command, cancellationToken)
            .ConfigureAwait(false);
        var path = output.Trim();
        return path.Length == 0 ? null : path;
    }

    public async Task<CommandResult> RunAsync(PlaceCommand command, CancellationToken cancellationToken)
    {
        var argv = WithEnvironment(command);
        string script;
        Func<Task>? kill = null;
        if (command.ControlDirectory is { } control)
        {
            script = RemoteTaskScript.Run(argv, control, command.WorkingDirectory, command.StdoutFile, command.StderrFile);
            kill = () => KillAsync(control);
        }
        else
        {
            script = RemoteTaskScript.Guarded(argv, command.WorkingDirectory);
        }

        return await connection.RunScriptAsync(script, command.OnStdout, command.OnStderr, command.CaptureStdout,
            onCancel: kill, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static IReadOnlyList<string> WithEnvironment(PlaceCommand command)
    {
        if (command.Environment is not { Count: > 0 } environment) return command.Argv;
        var argv = new List<string> { "env" };
        argv.AddRange(environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}"));
        argv.AddRange(command.Argv);
        return argv;
    }

    /// <summary>Bounded, over an urgent channel: waiting for a free session would wait for the very program to stop.</summary>
    private async Task KillAsync(string controlDirectory)
    {
        var grace = RemoteTaskScript.KillGrace;
        using var limit = new CancellationTokenSource(grace + TimeSpan.FromSeconds(10));
        await connection.RunScriptAsync(RemoteTaskScript.Kill(controlDirectory), timeout: grace + TimeSpan.FromSeconds(5),
            cancellationToken: limit.Token, urgent: true).ConfigureAwait(false);
    }

    public Task CreateDirectoriesAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken) =>
        paths.Count == 0
            ? Task.CompletedTask
            : connection.RunCheckedAsync($"umask 077; mkdir -p -- {string.Join(' ', paths.Select(ShellQuote.Quote))}", "creating folders", cancellationToken);

    public async Task<IReadOnlyList<string>> FindMissingAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        if (paths.Count == 0) return [];
        var output = await connection.RunCheckedAsync(
            $"for p in {string.Join(' ', paths.Select(ShellQuote.Quote))}; do [ -e \"$p\" ] || printf '%s\\n' \"$p\"; done",
            "checking paths", cancellationToken).ConfigureAwait(false);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public Task RemoveTreeAsync(string path, CancellationToken cancellationToken)
    {
        var q = ShellQuote.Quote(path);
        // rm may need write permission that a container left unset on its own folders.
        return connection.RunCheckedAsync($"chmod -R u+rwX {q} 2>/dev/null; rm -rf -- {q}", "removing " + path, cancellationToken);
    }

    public async Task<FileListing> ListAsync(string root, IReadOnlyList<string> relativePaths, CancellationToken cancellationToken)
    {
        var directories = await CheckExistAsync(root, relativePaths, cancellationToken).ConfigureAwait(false);
        var q = ShellQuote.Quote;
        var listing = await connection.RunCheckedAsync(
            $"cd {q(root)} || exit 3; find {string.Join(' ', relativePaths.Select(p => q(RelativeArg(p))))} -type f -print0",
            "listing files", cancellationToken).ConfigureAwait(false);
        // Output arrives line by line and gets a final newline appended; the NUL-separated names end before it.
        if (listing.EndsWith('\n')) listing = listing[..^1];
        var relative = listing.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.StartsWith("./", StringComparison.Ordinal) ? p[2..] : p)
            .Distinct(StringComparer.Ordinal).ToList();
        var measures = await MeasureAsync(root, relative, cancellationToken).ConfigureAwait(false);
        return new FileListing(relative.Select((p, i) => new ListedFile(p, measures[i].Sha256, measures[i].Size)).ToList(), directories);
    }

    /// <summary>Fails naming the first path missing on the host; returns those that are folders.</summary>
    private async Task<List<string>> CheckExistAsync(string root, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var q = ShellQuote.Quote;
        var script = new StringBuilder($"cd {q(root)} || exit 3; ");
        for (var i = 0; i < paths.Count; i++)
        {
            var arg = q(RelativeArg(paths[i]));
            script.Append($"if [ -d {arg} ]; then echo d{i}; elif [ ! -e {arg} ]; then echo m{i}; fi; ");
        }

        var output = await connection.RunCheckedAsync(script.ToString(), "checking files", cancellationToken).ConfigureAwait(false);
        var directories = new List<string>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = paths[int.Parse(line.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)];
            if (line[0] == 'm') throw new MissingPathException(path, $"host '{host}':{root.TrimEnd('/')}/{path}");
            directories.Add(path);
        }

        return directories;
    }

    public async Task<IReadOnlyList<string>> HashAsync(string root, IReadOnlyList<string> relativePaths, CancellationToken cancellationToken)
    {
        if (relativePaths.Count == 0) return [];
        var q = ShellQuote.Quote;
        var output = await connection.RunCheckedAsync(
            $"cd {q(root)} || exit 3; sha256sum -- {string.Join(' ', relativePaths.Select(p => q(RelativeArg(p))))}",
            "computing checksums", cancellationToken).ConfigureAwait(false);
        // sha256sum prints one line per file in argument order; a name with a newline gets a leading backslash.
        var hashes = ChecksumsOf(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        if (hashes.Count != relativePaths.Count)
        {
            throw new SshHostException($"sha256sum on host '{host}' returned {hashes.Count} checksums for {relativePaths.Count} files");
        }

        return hashes;
    }

    /// <summary>
    /// <c>stat</c> then <c>sha256sum</c> in one script, each an argv quoted word by word: sizes come first, one line
    /// per file whatever its name, then the checksums.
    /// </summary>
    public async Task<IReadOnlyList<FileMeasure>> MeasureAsync(string root, IReadOnlyList<string> relativePaths, CancellationToken cancellationToken)
    {
        if (relativePaths.Count == 0) return [];
        var arguments = relativePaths.Select(RelativeArg).ToList();
        var output = await connection.RunCheckedAsync(
            $"cd {ShellQuote.Quote(root)} || exit 3; {ShellQuote.Join(["stat", "-L", "-c", "%s", "--", .. arguments])} && " +
            ShellQuote.Join(["sha256sum", "--", .. arguments]),
            "measuring files", cancellationToken).ConfigureAwait(false);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var sizes = lines.Take(relativePaths.Count)
            .Select(l => long.TryParse(l.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size) ? size : -1)
            .ToList();
        var hashes = ChecksumsOf(lines.Skip(relativePaths.Count));
        if (sizes.Count != relativePaths.Count || sizes.Contains(-1) || hashes.Count != relativePaths.Count)
        {
            throw new SshHostException($"stat and sha256sum on host '{host}' did not describe all {relativePaths.Count} files in {root}");
        }

        return sizes.Select((size, i) => new FileMeasure(size, hashes[i])).ToList();
    }

    public async Task UploadAsync(string localFile, string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(localFile);
        await SftpAsync(sftp => sftp.UploadFileAsync(stream, path, cancellationToken), $"copying {localFile} to {path} on host '{host}'", cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task DownloadAsync(string path, string localFile, CancellationToken cancellationToken)
    {
        localAccess.CreateDirectory(Path.GetDirectoryName(localFile)!);
        await using var stream = File.Create(localFile);
        await SftpAsync(sftp => sftp.DownloadFileAsync(path, stream, cancellationToken), $"copying {path} from host '{host}'", cancellationToken)
            .ConfigureAwait(false);
    }

    private async Task SftpAsync(Func<Renci.SshNet.SftpClient, Task> transfer, string what, CancellationToken cancellationToken)
    {
        var sftp = await connection.GetSftpAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await transfer(sftp).ConfigureAwait(false);
        }
        catch (SshException exception)
        {
            throw new SshHostException($"{what} failed: {exception.Message}", exception);
        }
    }

    public Task WriteTextAsync(string path, string text, CancellationToken cancellationToken) =>
        connection.RunCheckedAsync($"umask 077; printf '%s' {ShellQuote.Quote(text)} > {ShellQuote.Quote(path)}", "writing " + path, cancellationToken);

    public Task MoveAsync(string from, string to, CancellationToken cancellationToken) =>
        connection.RunCheckedAsync($"mv -f -- {ShellQuote.Quote(from)} {ShellQuote.Quote(to)}", "storing " + to, cancellationToken);

    private static List<string> ChecksumsOf(IEnumerable<string> lines) =>
        lines.Select(line => line.TrimStart('\\'))
            .Where(line => line.Length >= 64 && Uri.IsHexDigit(line[0]))
            .Select(line => line[..64].ToLowerInvariant())
            .ToList();

    /// <summary>A relative path as an argument that no command mistakes for an option.</summary>
    private static string RelativeArg(string path) => path.Length == 0 ? "." : "./" + path;

    public override string ToString() => $"{Description} ({connection.Options.Describe()})";
}
