using Dagon.Dsl.IntegrationTests;

namespace Dagon.Dsl.SlurmRunTests;

/// <summary>
/// The real Slurm of this machine (slurmctld and slurmd answering sinfo) and the real Apptainer with a busybox image.
/// A missing part fails every test with how to provision it; nothing is skipped.
/// </summary>
public sealed class SlurmFixture : IAsyncLifetime
{
    private const string Provision = "Run `bash scripts/setup-slurm.sh` (as root) to install and start a one-node Slurm on this machine.";

    public ApptainerFixture Apptainer { get; } = new();

    /// <summary>The partitions sinfo reported, the default one first.</summary>
    public IReadOnlyList<string> Partitions { get; private set; } = [];

    public async Task InitializeAsync()
    {
        string answer;
        try
        {
            answer = await ApptainerFixture.Run("sinfo", "-h", "-o", "%P");
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"Real Slurm is required for these tests, and `sinfo` did not answer: {exception.Message}. {Provision}");
        }

        Partitions = answer.Split('\n', StringSplitOptions.RemoveEmptyEntries).OrderBy(p => p.EndsWith('*') ? 0 : 1).Select(p => p.TrimEnd('*')).ToList();
        if (Partitions.Count == 0) throw new InvalidOperationException($"`sinfo` lists no partition. {Provision}");
        await Apptainer.InitializeAsync();
    }

    public Task DisposeAsync() => Apptainer.DisposeAsync();

    /// <summary>How many jobs whose name starts with <paramref name="prefix"/> squeue lists (pending, running, completing).</summary>
    public static async Task<int> QueuedAsync(string prefix) =>
        (await ApptainerFixture.Run("squeue", "-h", "-o", "%j")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Count(name => name.StartsWith(prefix, StringComparison.Ordinal));
}

[CollectionDefinition(Name)]
public sealed class SlurmCollection : ICollectionFixture<SlurmFixture>
{
    public const string Name = "Real Slurm";
}
