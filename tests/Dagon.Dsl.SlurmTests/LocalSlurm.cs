namespace Dagon.Dsl.SlurmTests;

/// <summary>
/// The real Slurm on this machine (Debian 12's Slurm 22.05, scripts/setup-slurm.sh): sinfo must answer and show the
/// node usable, or every test that uses it fails with how to provision it. Jobs run as the user running the tests.
/// </summary>
public sealed class LocalSlurm : SlurmCluster
{
    public LocalSlurm()
    {
        var (code, output) = Processes.Run("/bin/sh", ["-c", "command -v sinfo sbatch squeue"], TimeSpan.FromSeconds(10));
        if (code != 0)
        {
            throw new InvalidOperationException(
                "Slurm is not installed on this machine (no sinfo/sbatch/squeue on PATH). " +
                $"Run `sudo {Processes.FindRepoRoot()}/scripts/setup-slurm.sh` once, then rerun the tests. {output}");
        }

        if (!NodeUsable(out var state))
        {
            throw new InvalidOperationException(
                $"Slurm on this machine does not show its node idle (sinfo: {state}). " +
                $"Run `sudo {Processes.FindRepoRoot()}/scripts/setup-slurm.sh` (it installs and starts munged, slurmctld and slurmd), then rerun the tests.");
        }

        // One folder per instance: several fixtures may check this Slurm in one run, and each deletes its own.
        JobDirectory = Path.Combine(Path.GetTempPath(), $"dagon-slurm-tests-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(JobDirectory);
        // Jobs, and the Apptainer wrapper's ordinary user, write here.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(JobDirectory, (UnixFileMode)0x3FF); // 1777
    }

    public override string Description => "this machine's Slurm";

    public override string JobDirectory { get; }

    public override (int Code, string Output) Shell(string command, TimeSpan? limit = null) =>
        Processes.Run("/bin/bash", ["-c", command], limit ?? TimeSpan.FromSeconds(60));

    public override void Dispose()
    {
        try { Directory.Delete(JobDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class LocalSlurmCollection : ICollectionFixture<LocalSlurm>
{
    public const string Name = "local slurm";
}
