using Dagon.Model;

namespace Dagon.Staging;

/// <summary>
/// A producer's files as the consuming task's machine sees them. <see cref="HostDirectory"/> is the producer's work
/// directory itself when both run on one machine (zero copy), or a copy made by a transfer when they do not.
/// </summary>
public sealed record StagedInput(string ProducerName, string HostDirectory, string MountName, IReadOnlyList<WorkflowReference> References)
{
    /// <summary>Where a container task sees the producer's directory (mounted read-only).</summary>
    public string ContainerDirectory => $"{Rules.BindRules.EngineDirectory}/inputs/{MountName}";
}

/// <summary>A reference that cannot be staged, named after the producer and the path.</summary>
public sealed class StagingException(string message) : Exception(message);
