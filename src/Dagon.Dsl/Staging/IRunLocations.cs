using System.Collections.Concurrent;
using Dagon.Places;
using Dagon.Scheduling;

namespace Dagon.Staging;

/// <summary>Where each task of a run lives: what staging needs to know of the run, and nothing more.</summary>
public interface IRunLocations
{
    IPlace PlaceOf(PlannedTask task);

    TaskWorkspace WorkspaceOf(PlannedTask task);

    /// <summary>Files already copied to remote places in this run, shared by the tasks that read them.</summary>
    SharedCopies Copies { get; }
}

/// <summary>
/// Copies of producers' files made on a place for a run, per destination folder: each file is written once, under a
/// per-folder lock, so tasks fanned out on one host share one copy and no running task reads a file being rewritten.
/// </summary>
public sealed class SharedCopies
{
    private readonly ConcurrentDictionary<(string Host, string Destination), Folder> _folders = new();

    internal Folder For(string host, string destination) => _folders.GetOrAdd((host, destination), _ => new Folder());

    internal sealed class Folder
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);

        public HashSet<string> Files { get; } = new(StringComparer.Ordinal);
    }
}
