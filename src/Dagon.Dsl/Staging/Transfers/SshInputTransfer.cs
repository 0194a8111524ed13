using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Dagon.Execution.Processes;
using Dagon.Execution.Ssh;
using Dagon.Execution;
using Dagon.Model;
using Microsoft.Extensions.Logging;

namespace Dagon.Staging.Transfers;

/// <summary>
/// Moves referenced files between this machine and SSH hosts over SFTP (local to remote, remote to local, and remote
/// to remote relayed through this machine), checking every file's sha256 on both ends. Producer and consumer on one
/// remote host stay zero-copy: the files are only checked to exist there. Copies land in the consumer's workspace
/// under <c>inputs/&lt;producer&gt;/</c> with the producer's relative layout, so references rewrite as on one machine.
/// </summary>
public sealed class SshInputTransfer(SshHostProfiles profiles, SshConnectionPool pool, ILogger<SshInputTransfer> logger) : IInputTransfer
{
    public bool CanStage(TaskWorkspace producer, TaskWorkspace consumer) =>
        (producer.IsLocal || profiles.Knows(producer.Host!)) && (consumer.IsLocal || profiles.Knows(consumer.Host!));

    public async Task<StagedInput> StageAsync(TransferRequest request, CancellationToken cancellationToken)
    {
        var producer = request.ProducerWorkspace;
        var consumer = request.ConsumerWorkspace;
        var mountName = Names.Slug(request.Producer.DisplayName);
        var paths = request.References.Select(r => r.Path).Distinct(StringComparer.Ordinal).ToList();
        var stopwatch = Stopwatch.StartNew();
        try
        {
            if (producer.Host == consumer.Host)
            {
                await CheckRemoteExistAsync(request, Connection(producer), paths, cancellationToken).ConfigureAwait(false);
                foreach (var reference in request.References)
                {
                    logger.LogInformation("Staging {Reference} from {Producer} to {Consumer} on host {Host} (read-only mount, no copy)",
                        reference.Text, request.Producer.DisplayName, request.Consumer.DisplayName, producer.Host);
                }

                return new StagedInput(request.Producer.DisplayName, producer.WorkDir, mountName, request.References);
            }

            foreach (var reference in request.References)
            {
                logger.LogInformation("Copying {Reference} from {Producer} to {Consumer} ({Route}, SFTP)",
                    reference.Text, request.Producer.DisplayName, request.Consumer.DisplayName, Describe(producer) + " -> " + Describe(consumer));
            }

            string destination;
            int copiedFiles;
            if (consumer.IsLocal)
            {
                // Inside the consumer's own workspace, so the local backend's cleanup removes it with the task.
                destination = consumer.Root.TrimEnd('/') + "/inputs/" + mountName;
                copiedFiles = await CopyAsync(request, paths, destination, alreadyThere: null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Once per host and run: tasks fanned out on one host share one copy of a producer's files (".inputs"
                // cannot clash with a task folder: task slugs never start with a dot). Each file is written once, under
                // a per-producer lock, so no running task ever reads a file that is being rewritten.
                var runDirectory = consumer.Root.TrimEnd('/');
                runDirectory = runDirectory[..runDirectory.LastIndexOf('/')];
                destination = $"{runDirectory}/.inputs/{mountName}";
                var shared = _staged.GetValue(request.Run, _ => new ConcurrentDictionary<(string, string), HostCopy>())
                    .GetOrAdd((consumer.Host!, destination), _ => new HostCopy());
                await shared.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    copiedFiles = await CopyAsync(request, paths, destination, shared.Files, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    shared.Lock.Release();
                }
            }

            if (copiedFiles == 0 && !consumer.IsLocal)
            {
                logger.LogInformation("Files of {Producer} for {Consumer} are already on host {Host} (copied once per host and run)",
                    request.Producer.DisplayName, request.Consumer.DisplayName, consumer.Host);
            }
            else
            {
                logger.LogInformation("{Count} file(s) of {Producer} copied to {Consumer} ({Route}) in {Seconds:F2} s, sha256 checksums verified",
                    copiedFiles, request.Producer.DisplayName, request.Consumer.DisplayName, Describe(producer) + " -> " + Describe(consumer), stopwatch.Elapsed.TotalSeconds);
            }
            return new StagedInput(request.Producer.DisplayName, destination, mountName, request.References);
        }
        catch (Exception exception) when (exception is SshHostException or SshConnectionLostException or Renci.SshNet.Common.SshException or IOException)
        {
            throw new StagingException(
                $"Task '{request.Consumer.DisplayName}' could not get the files of task '{request.Producer.DisplayName}' " +
                $"({Describe(producer)} -> {Describe(consumer)}): {exception.Message}");
        }
    }

    /// <summary>Files already copied to a host in a run, per destination folder; dropped with the run.</summary>
    private readonly ConditionalWeakTable<RunContext, ConcurrentDictionary<(string Host, string Destination), HostCopy>> _staged = new();

    private sealed class HostCopy
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);
        public HashSet<string> Files { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Copies the files under <paramref name="paths"/>, skipping (and then recording) those in <paramref name="alreadyThere"/>.</summary>
    private async Task<int> CopyAsync(TransferRequest request, IReadOnlyList<string> paths, string destination, HashSet<string>? alreadyThere,
        CancellationToken cancellationToken)
    {
        var producer = request.ProducerWorkspace;
        var consumer = request.ConsumerWorkspace;
        List<FileEntry> Needed(List<FileEntry> files) => alreadyThere is null ? files : files.Where(f => !alreadyThere.Contains(f.RelativePath)).ToList();
        List<FileEntry> copied;
        if (producer.IsLocal)
        {
            var listing = ListLocal(request, paths);
            copied = Needed(listing.Files);
            await UploadAsync(Connection(consumer), producer.WorkDir, copied, listing.Directories, destination, request, cancellationToken).ConfigureAwait(false);
        }
        else if (consumer.IsLocal)
        {
            var listing = await ListRemoteAsync(request, Connection(producer), paths, cancellationToken).ConfigureAwait(false);
            copied = Needed(listing.Files);
            await DownloadAsync(Connection(producer), producer.WorkDir, copied, listing.Directories, destination, request, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Two hosts that may not reach each other: relay through this machine, verified on each leg.
            var relay = Path.Combine(Path.GetTempPath(), $"dagon-relay-{Guid.NewGuid():N}");
            try
            {
                var listing = await ListRemoteAsync(request, Connection(producer), paths, cancellationToken).ConfigureAwait(false);
                copied = Needed(listing.Files);
                await DownloadAsync(Connection(producer), producer.WorkDir, copied, listing.Directories, relay, request, cancellationToken).ConfigureAwait(false);
                await UploadAsync(Connection(consumer), relay, copied, listing.Directories, destination, request, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                try { Directory.Delete(relay, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }

        if (alreadyThere is not null)
        {
            foreach (var file in copied) alreadyThere.Add(file.RelativePath);
        }

        return copied.Count;
    }

    private SshHostConnection Connection(TaskWorkspace workspace) => pool.For(profiles.Resolve(workspace.Host!));

    private static string Describe(TaskWorkspace workspace) => workspace.IsLocal ? "this machine" : $"host '{workspace.Host}'";

    private static StagingException Missing(TransferRequest request, string path, string where)
    {
        var reference = request.References.First(r => r.Path == path);
        return new StagingException(
            $"Task '{request.Consumer.DisplayName}' references '{reference.Text}', but task '{request.Producer.DisplayName}' " +
            $"did not produce '{path}' (looked for {where})");
    }

    /// <summary>Files under the referenced paths, relative to the producer's work directory, with their sha256.</summary>
    private sealed record FileEntry(string RelativePath, string Sha256);

    /// <summary>The files to copy and the referenced paths that are folders (created even when they hold no file).</summary>
    private sealed record Listing(List<FileEntry> Files, List<string> Directories);

    private static Listing ListLocal(TransferRequest request, IReadOnlyList<string> paths)
    {
        var root = request.ProducerWorkspace.WorkDir;
        var files = new List<FileEntry>();
        var directories = new List<string>();
        foreach (var path in paths)
        {
            var full = Path.Combine(root, path);
            if (File.Exists(full))
            {
                files.Add(new FileEntry(path, HashFile(full)));
            }
            else if (Directory.Exists(full))
            {
                directories.Add(path);
                foreach (var file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
                {
                    files.Add(new FileEntry(Path.GetRelativePath(root, file).Replace('\\', '/'), HashFile(file)));
                }
            }
            else
            {
                throw Missing(request, path, full);
            }
        }

        return new Listing(files.DistinctBy(f => f.RelativePath).ToList(), directories);
    }

    /// <summary>Fails naming the first referenced path missing on the host; returns those that are folders.</summary>
    private static async Task<List<string>> CheckRemoteExistAsync(TransferRequest request, SshHostConnection host, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var q = ShellQuote.Quote;
        var script = new StringBuilder($"cd {q(request.ProducerWorkspace.WorkDir)} || exit 3; ");
        for (var i = 0; i < paths.Count; i++)
        {
            var arg = q(RelativeArg(paths[i]));
            script.Append($"if [ -d {arg} ]; then echo d{i}; elif [ ! -e {arg} ]; then echo m{i}; fi; ");
        }

        var output = await host.RunCheckedAsync(script.ToString(), "checking the producer's files", cancellationToken).ConfigureAwait(false);
        var directories = new List<string>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = paths[int.Parse(line.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)];
            if (line[0] == 'm') throw Missing(request, path, $"host '{request.ProducerWorkspace.Host}':{request.ProducerWorkspace.WorkDir}/{path}");
            directories.Add(path);
        }

        return directories;
    }

    /// <summary>
    /// One round trip: which referenced paths are missing, then every file under the others, NUL-separated (names may
    /// hold newlines), then their checksums in the same order.
    /// </summary>
    private static async Task<Listing> ListRemoteAsync(TransferRequest request, SshHostConnection host, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var directories = await CheckRemoteExistAsync(request, host, paths, cancellationToken).ConfigureAwait(false);
        var q = ShellQuote.Quote;
        var args = string.Join(' ', paths.Select(p => q(RelativeArg(p))));
        var listing = await host.RunCheckedAsync(
            $"cd {q(request.ProducerWorkspace.WorkDir)} || exit 3; find {args} -type f -print0",
            "listing the producer's files", cancellationToken).ConfigureAwait(false);
        // Output arrives line by line and gets a final newline appended; the NUL-separated names end before it.
        if (listing.EndsWith('\n')) listing = listing[..^1];
        var relative = listing.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.StartsWith("./", StringComparison.Ordinal) ? p[2..] : p)
            .Distinct(StringComparer.Ordinal).ToList();
        var hashes = await RemoteHashesAsync(host, request.ProducerWorkspace.WorkDir, relative, cancellationToken).ConfigureAwait(false);
        return new Listing(relative.Select((p, i) => new FileEntry(p, hashes[i])).ToList(), directories);
    }

    private static async Task<IReadOnlyList<string>> RemoteHashesAsync(SshHostConnection host, string directory, IReadOnlyList<string> relative, CancellationToken cancellationToken)
    {
        if (relative.Count == 0) return [];
        var q = ShellQuote.Quote;
        var output = await host.RunCheckedAsync(
            $"cd {q(directory)} || exit 3; sha256sum -- {string.Join(' ', relative.Select(p => q(RelativeArg(p))))}",
            "computing checksums", cancellationToken).ConfigureAwait(false);
        // sha256sum prints one line per file in argument order; a name with a newline gets a leading backslash.
        var hashes = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.TrimStart('\\'))
            .Where(line => line.Length >= 64 && Uri.IsHexDigit(line[0]))
            .Select(line => line[..64].ToLowerInvariant())
            .ToList();
        if (hashes.Count != relative.Count)
        {
            throw new SshHostException($"sha256sum on host '{host.Options.Name}' returned {hashes.Count} checksums for {relative.Count} files");
        }

        return hashes;
    }

    private static async Task UploadAsync(SshHostConnection host, string sourceRoot, IReadOnlyList<FileEntry> files, IReadOnlyList<string> directories,
        string destination, TransferRequest request, CancellationToken cancellationToken)
    {
        var q = ShellQuote.Quote;
        var folders = files.Select(f => Parent(destination + "/" + f.RelativePath))
            .Concat(directories.Select(d => d.Length == 0 ? destination : destination + "/" + d))
            .Append(destination)
            .Distinct(StringComparer.Ordinal).ToList();
        await host.RunCheckedAsync($"mkdir -p -- {string.Join(' ', folders.Select(q))}", "creating the staging folder", cancellationToken).ConfigureAwait(false);
        if (files.Count == 0) return;
        var sftp = await host.GetSftpAsync(cancellationToken).ConfigureAwait(false);
        foreach (var file in files)
        {
            await using var stream = File.OpenRead(Path.Combine(sourceRoot, file.RelativePath));
            await sftp.UploadFileAsync(stream, destination + "/" + file.RelativePath, cancellationToken).ConfigureAwait(false);
        }

        var remote = await RemoteHashesAsync(host, destination, files.Select(f => f.RelativePath).ToList(), cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < files.Count; i++)
        {
            if (!string.Equals(remote[i], files[i].Sha256, StringComparison.Ordinal))
            {
                throw new StagingException(
                    $"Checksum mismatch copying '{files[i].RelativePath}' of task '{request.Producer.DisplayName}' to host '{host.Options.Name}': " +
                    $"sha256 {files[i].Sha256} here, {remote[i]} there");
            }
        }
    }

    private static async Task DownloadAsync(SshHostConnection host, string sourceRoot, IReadOnlyList<FileEntry> files, IReadOnlyList<string> directories,
        string destination, TransferRequest request, CancellationToken cancellationToken)
    {
        SharedDirectory.Create(destination);
        foreach (var directory in directories.Where(d => d.Length > 0)) SharedDirectory.Create(Path.Combine(destination, directory));
        if (files.Count == 0) return;
        var sftp = await host.GetSftpAsync(cancellationToken).ConfigureAwait(false);
        foreach (var file in files)
        {
            var target = Path.Combine(destination, file.RelativePath);
            SharedDirectory.Create(Path.GetDirectoryName(target)!);
            await using (var stream = File.Create(target))
            {
                await sftp.DownloadFileAsync(sourceRoot.TrimEnd('/') + "/" + file.RelativePath, stream, cancellationToken).ConfigureAwait(false);
            }

            var local = HashFile(target);
            if (!string.Equals(local, file.Sha256, StringComparison.Ordinal))
            {
                throw new StagingException(
                    $"Checksum mismatch copying '{file.RelativePath}' of task '{request.Producer.DisplayName}' from host '{host.Options.Name}': " +
                    $"sha256 {file.Sha256} there, {local} here");
            }
        }
    }

    private static string Parent(string path) => path[..path.LastIndexOf('/')];

    /// <summary>A relative path as an argument that no command mistakes for an option.</summary>
    private static string RelativeArg(string path) => path.Length == 0 ? "." : "./" + path;

    private static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
