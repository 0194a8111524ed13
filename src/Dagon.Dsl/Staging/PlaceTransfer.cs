using System.Diagnostics;
using Dagon.Places;
using Microsoft.Extensions.Logging;

namespace Dagon.Staging;

/// <summary>
/// Copies referenced files between places (this machine to a host, a host to this machine, and host to host relayed
/// through this machine), checking every file's sha256 on both ends. Copies land under the consumer's
/// <c>inputs/&lt;producer&gt;/</c> with the producer's relative layout, so references rewrite as on one place. Only
/// <see cref="IPlace"/> is used: a new kind of place needs nothing here.
/// </summary>
public sealed class PlaceTransfer(ILogger<PlaceTransfer> logger)
{
    public async Task<StagedInput> CopyAsync(TransferRequest request, CancellationToken cancellationToken)
    {
        var mountName = PathSegment.Slug(request.Producer.DisplayName);
        var paths = request.References.Select(r => r.Path).Distinct(StringComparer.Ordinal).ToList();
        var route = $"{request.ProducerPlace.Description} -> {request.ConsumerPlace.Description}";
        foreach (var reference in request.References)
        {
            logger.LogInformation("Copying {Reference} from {Producer} to {Consumer} ({Route}, SFTP)",
                reference.Text, request.Producer.DisplayName, request.Consumer.DisplayName, route);
        }

        var stopwatch = Stopwatch.StartNew();
        string destination;
        int copied;
        if (request.ConsumerPlace.Host is null)
        {
            // Inside the consumer's own workspace, so the task's cleanup removes it with the task.
            destination = request.ConsumerWorkspace.Root.TrimEnd('/') + "/inputs/" + mountName;
            copied = await CopyFilesAsync(request, paths, destination, alreadyThere: null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Once per place and run, in the run's folder (".inputs" cannot clash with a task folder: task slugs never
            // start with a dot), shared by every task there that reads this producer.
            destination = $"{request.ConsumerWorkspace.RunDirectory}/.inputs/{mountName}";
            var shared = request.Copies.For(request.ConsumerPlace.Host, destination);
            await shared.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                copied = await CopyFilesAsync(request, paths, destination, shared.Files, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                shared.Lock.Release();
            }
        }

        if (copied == 0 && request.ConsumerPlace.Host is not null)
        {
            logger.LogInformation("Files of {Producer} for {Consumer} are already on {Place} (copied once per place and run)",
                request.Producer.DisplayName, request.Consumer.DisplayName, request.ConsumerPlace.Description);
        }
        else
        {
            logger.LogInformation("{Count} file(s) of {Producer} copied to {Consumer} ({Route}) in {Seconds:F2} s, sha256 checksums verified",
                copied, request.Producer.DisplayName, request.Consumer.DisplayName, route, stopwatch.Elapsed.TotalSeconds);
        }

        return new StagedInput(request.Producer.DisplayName, destination, mountName, request.References);
    }

    /// <summary>Copies the files under <paramref name="paths"/>, skipping (and then recording) those in <paramref name="alreadyThere"/>.</summary>
    private static async Task<int> CopyFilesAsync(TransferRequest request, IReadOnlyList<string> paths, string destination,
        HashSet<string>? alreadyThere, CancellationToken cancellationToken)
    {
        var producer = request.ProducerPlace;
        var consumer = request.ConsumerPlace;
        var source = request.ProducerWorkspace.WorkDir.TrimEnd('/');
        FileListing listing;
        try
        {
            listing = await producer.ListAsync(source, paths, cancellationToken).ConfigureAwait(false);
        }
        catch (MissingPathException missing)
        {
            throw request.Missing(missing.RelativePath, missing.Where);
        }

        var files = alreadyThere is null ? listing.Files : listing.Files.Where(f => !alreadyThere.Contains(f.RelativePath)).ToList();
        var folders = files.Select(f => Parent(destination + "/" + f.RelativePath))
            .Concat(listing.Directories.Select(d => d.Length == 0 ? destination : destination + "/" + d))
            .Append(destination)
            .Distinct(StringComparer.Ordinal).ToList();
        await consumer.CreateDirectoriesAsync(folders, cancellationToken).ConfigureAwait(false);
        foreach (var file in files)
        {
            await CopyFileAsync(producer, $"{source}/{file.RelativePath}", consumer, $"{destination}/{file.RelativePath}", cancellationToken)
                .ConfigureAwait(false);
        }

        var hashes = await consumer.HashAsync(destination, files.Select(f => f.RelativePath).ToList(), cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < files.Count; i++)
        {
            if (!string.Equals(hashes[i], files[i].Sha256, StringComparison.Ordinal))
            {
                throw new StagingException(
                    $"Checksum mismatch copying '{files[i].RelativePath}' of task '{request.Producer.DisplayName}' " +
                    $"({producer.Description} -> {consumer.Description}): sha256 {files[i].Sha256} at the source, {hashes[i]} at the destination");
            }
        }

        if (alreadyThere is not null)
        {
            foreach (var file in files) alreadyThere.Add(file.RelativePath);
        }

        return files.Count;
    }

    /// <summary>One file from one place to another; two remote places that may not reach each other relay through this machine.</summary>
    private static async Task CopyFileAsync(IPlace from, string source, IPlace to, string target, CancellationToken cancellationToken)
    {
        if (from.Host is null)
        {
            await to.UploadAsync(source, target, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (to.Host is null)
        {
            await from.DownloadAsync(source, target, cancellationToken).ConfigureAwait(false);
            return;
        }

        var relay = Path.Combine(Path.GetTempPath(), $"dagon-relay-{Guid.NewGuid():N}");
        try
        {
            await from.DownloadAsync(source, relay, cancellationToken).ConfigureAwait(false);
            await to.UploadAsync(relay, target, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(relay);
        }
    }

    private static string Parent(string path) => path[..path.LastIndexOf('/')];
}
