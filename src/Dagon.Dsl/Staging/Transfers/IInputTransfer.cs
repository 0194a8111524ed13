using Dagon.Execution;
using Dagon.Model;
using Dagon.Scheduling;

namespace Dagon.Staging.Transfers;

/// <summary>What a transfer is asked to make visible: the files of one producer that one consumer references.</summary>
public sealed record TransferRequest(
    PlannedTask Consumer,
    TaskWorkspace ConsumerWorkspace,
    PlannedTask Producer,
    TaskWorkspace ProducerWorkspace,
    IReadOnlyList<WorkflowReference> References,
    RunContext Run);

/// <summary>
/// Moves a producer's referenced files to the machine of a consumer that runs somewhere else (or checks them in place
/// when both share a remote machine). Returns where the consumer's backend finds them; the consumer mounts that
/// folder read-only and the references are rewritten into it, exactly as on one machine.
/// </summary>
public interface IInputTransfer
{
    /// <summary>True when this transfer reaches both locations (null host = this machine).</summary>
    bool CanStage(TaskWorkspace producer, TaskWorkspace consumer);

    /// <exception cref="StagingException">A referenced path is missing, a copy failed, or a checksum did not match.</exception>
    Task<StagedInput> StageAsync(TransferRequest request, CancellationToken cancellationToken);
}
