using Dagon.Model;
using Dagon.Places;
using Dagon.Scheduling;
using Microsoft.Extensions.Logging;

namespace Dagon.Staging;

/// <summary>
/// Makes the files a task references available on the place that runs it. On one place that is zero-copy: the
/// producer's work directory is mounted read-only and the reference rewritten to point into it. Between places a
/// <see cref="PlaceTransfer"/> copies the files first, checksummed.
/// </summary>
public sealed class InputStager(ILogger<InputStager> logger, PlaceTransfer transfer)
{
    private static readonly Task<IReadOnlyList<StagedInput>> NothingToStage = Task.FromResult<IReadOnlyList<StagedInput>>([]);

    public Task<IReadOnlyList<StagedInput>> StageAsync(PlannedTask consumer, IRunLocations run, CancellationToken cancellationToken) =>
        consumer.Inputs.Count == 0 ? NothingToStage : StageInputsAsync(consumer, run, cancellationToken);

    private async Task<IReadOnlyList<StagedInput>> StageInputsAsync(PlannedTask consumer, IRunLocations run, CancellationToken cancellationToken)
    {
        var staged = new List<StagedInput>();
        foreach (var group in consumer.Inputs.GroupBy(i => i.Producer))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var producer = group.Key;
            var references = group.Select(g => g.Reference).ToArray();
            var request = new TransferRequest(consumer, run.PlaceOf(consumer), run.WorkspaceOf(consumer),
                producer, run.PlaceOf(producer), run.WorkspaceOf(producer), references, run.Copies);
            try
            {
                staged.Add(request.ProducerPlace.Host == request.ConsumerPlace.Host
                    ? await InPlaceAsync(request, cancellationToken).ConfigureAwait(false)
                    : await transfer.CopyAsync(request, cancellationToken).ConfigureAwait(false));
            }
            catch (PlaceUnavailableException exception)
            {
                throw new StagingException(
                    $"Task '{consumer.DisplayName}' could not get the files of task '{producer.DisplayName}' " +
                    $"({request.ProducerPlace.Description} -> {request.ConsumerPlace.Description}): {exception.Message}");
            }
        }

        return staged;
    }

    /// <summary>Producer and consumer share a place: the files are only checked to be there.</summary>
    private async Task<StagedInput> InPlaceAsync(TransferRequest request, CancellationToken cancellationToken)
    {
        var place = request.ProducerPlace;
        var root = request.ProducerWorkspace.WorkDir;
        var paths = request.References.Select(r => FullPath(root, r.Path)).Distinct(StringComparer.Ordinal).ToList();
        var missing = await place.FindMissingAsync(paths, cancellationToken).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            var reference = request.References.First(r => FullPath(root, r.Path) == missing[0]);
            var where = place.Host is null ? missing[0] : $"host '{place.Host}':{missing[0]}";
            throw request.Missing(reference.Path, where);
        }

        foreach (var reference in request.References)
        {
            logger.LogInformation("Staging {Reference} from {Producer} to {Consumer}{Where} (read-only mount, no copy)",
                reference.Text, request.Producer.DisplayName, request.Consumer.DisplayName, place.Host is null ? "" : $" on {place.Description}");
        }

        return new StagedInput(request.Producer.DisplayName, root, PathSegment.Slug(request.Producer.DisplayName), request.References);
    }

    private static string FullPath(string root, string relative) => relative.Length == 0 ? root : root.TrimEnd('/') + "/" + relative;

    /// <summary>
    /// Replaces each reference in <paramref name="command"/> with the producer's directory as <paramref name="visibleDirectory"/>
    /// says the task sees it, followed by the referenced path.
    /// </summary>
    public static string RewriteCommand(string command, IReadOnlyList<StagedInput> inputs, Func<StagedInput, string> visibleDirectory)
    {
        var replacements = inputs
            .SelectMany(input => input.References.Select(reference => (Reference: reference, Directory: visibleDirectory(input))))
            .OrderByDescending(r => r.Reference.Start);
        var text = command;
        foreach (var (reference, directory) in replacements)
        {
            var replacement = reference.Path.Length == 0 ? directory : $"{directory}/{reference.Path}";
            text = string.Concat(text.AsSpan(0, reference.Start), replacement, text.AsSpan(reference.Start + reference.Length));
        }

        return text;
    }
}

/// <summary>The files of one producer that one consumer references, and where both live.</summary>
public sealed record TransferRequest(
    PlannedTask Consumer,
    IPlace ConsumerPlace,
    TaskWorkspace ConsumerWorkspace,
    PlannedTask Producer,
    IPlace ProducerPlace,
    TaskWorkspace ProducerWorkspace,
    IReadOnlyList<WorkflowReference> References,
    SharedCopies Copies)
{
    public StagingException Missing(string path, string where)
    {
        var reference = References.First(r => r.Path == path);
        return new StagingException(
            $"Task '{Consumer.DisplayName}' references '{reference.Text}', but task '{Producer.DisplayName}' " +
            $"did not produce '{path}' (looked for {where})");
    }
}
