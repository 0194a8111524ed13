using Dagon.Execution;
using Dagon.Model;
using Dagon.Scheduling;
using Dagon.Staging.Transfers;
using Microsoft.Extensions.Logging;

namespace Dagon.Staging;

/// <summary>
/// Makes the files a task references available on the machine that runs it. On one machine that is zero-copy: the
/// producer's work directory is mounted read-only and the reference rewritten to point into it. Between machines an
/// <see cref="IInputTransfer"/> copies the files first.
/// </summary>
public sealed class InputStager(ILogger<InputStager> logger, IEnumerable<IInputTransfer> transfers)
{
    private static readonly Task<IReadOnlyList<StagedInput>> NothingToStage = Task.FromResult<IReadOnlyList<StagedInput>>([]);
    private readonly IReadOnlyList<IInputTransfer> _transfers = transfers.ToList();

    public InputStager(ILogger<InputStager> logger) : this(logger, []) { }

    public Task<IReadOnlyList<StagedInput>> StageAsync(PlannedTask consumer, RunContext run, CancellationToken cancellationToken) =>
        consumer.Inputs.Count == 0 ? NothingToStage : StageInputsAsync(consumer, run, cancellationToken);

    private async Task<IReadOnlyList<StagedInput>> StageInputsAsync(PlannedTask consumer, RunContext run, CancellationToken cancellationToken)
    {
        var consumerWorkspace = run.Workspaces[consumer.Index];
        var staged = new List<StagedInput>();
        foreach (var group in consumer.Inputs.GroupBy(i => i.Producer))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var producer = group.Key;
            var producerWorkspace = run.Workspaces[producer.Index];
            if (!producerWorkspace.IsLocal || !consumerWorkspace.IsLocal)
            {
                var transfer = _transfers.FirstOrDefault(t => t.CanStage(producerWorkspace, consumerWorkspace));
                if (transfer is not null)
                {
                    var request = new TransferRequest(consumer, consumerWorkspace, producer, producerWorkspace, group.Select(g => g.Reference).ToArray(), run);
                    staged.Add(await transfer.StageAsync(request, cancellationToken).ConfigureAwait(false));
                    continue;
                }
            }

            if (producerWorkspace.Host != consumerWorkspace.Host)
            {
                throw new StagingException(
                    $"Task '{consumer.DisplayName}' reads files of task '{producer.DisplayName}', which runs on " +
                    $"{Describe(producerWorkspace)} while '{consumer.DisplayName}' runs on {Describe(consumerWorkspace)}; " +
                    "no transfer between these locations is configured");
            }

            var references = group.Select(g => g.Reference).ToArray();
            foreach (var reference in references)
            {
                var path = Path.Combine(producerWorkspace.WorkDir, reference.Path);
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    throw new StagingException(
                        $"Task '{consumer.DisplayName}' references '{reference.Text}', but task '{producer.DisplayName}' " +
                        $"did not produce '{reference.Path}' (looked for {path})");
                }

                logger.LogInformation("Staging {Reference} from {Producer} to {Consumer} (read-only mount, no copy)",
                    reference.Text, producer.DisplayName, consumer.DisplayName);
            }

            staged.Add(new StagedInput(producer.DisplayName, producerWorkspace.WorkDir, Names.Slug(producer.DisplayName), references));
        }

        return staged;
    }

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

    private static string Describe(TaskWorkspace workspace) => workspace.Host is null ? "this machine" : $"host '{workspace.Host}'";
}
