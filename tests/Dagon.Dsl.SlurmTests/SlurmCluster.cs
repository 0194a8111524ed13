using System.Text.RegularExpressions;

namespace Dagon.Dsl.SlurmTests;

/// <summary>
/// A real Slurm cluster as a launcher sees it: a shell on its submit host (this machine, or the remote test node over
/// SSH), where sbatch, squeue, scontrol and sinfo answer, and a folder there that jobs write into.
/// </summary>
public abstract partial class SlurmCluster : IDisposable
{
    private string? _busyboxImage;

    /// <summary>What the failure messages call it.</summary>
    public abstract string Description { get; }

    /// <summary>A folder on the submit host, readable and writable by the jobs (created by the fixture).</summary>
    public abstract string JobDirectory { get; }

    /// <summary>Runs a POSIX shell command on the submit host, as the user who submits jobs.</summary>
    public abstract (int Code, string Output) Shell(string command, TimeSpan? limit = null);

    /// <summary>What `sinfo --version` prints, e.g. "slurm-wlm 22.05.8".</summary>
    public string Version() => Check("sinfo --version").Trim();

    /// <summary>The one node's state in sinfo (idle, mixed, allocated, down, ...), or what sinfo said instead.</summary>
    public string NodeState()
    {
        var (code, output) = Shell("sinfo -h -N -o %T", TimeSpan.FromSeconds(20));
        return code == 0 ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no node)" : $"(sinfo exited with {code}: {output.Trim()})";
    }

    /// <summary>True when sinfo answers and the node takes jobs (idle, or busy with other tests' jobs).</summary>
    public bool NodeUsable(out string state)
    {
        state = NodeState();
        return state is "idle" or "mixed" or "allocated" or "completing";
    }

    /// <summary>
    /// `sbatch --parsable --wait` of a wrapped command; the job's id, sbatch's exit code and output (with the queue
    /// when it failed). The limit is generous: the cluster is shared with every other test run on the machine, and a
    /// job may queue behind theirs.
    /// </summary>
    public (string JobId, int Code, string Output) SubmitAndWait(string wrappedCommand, string outputFile, string options = "")
    {
        var (code, output) = Shell(
            $"sbatch --parsable --wait {options} -J dagon-slurm-tests -o {Processes.Quote(outputFile)} --wrap {Processes.Quote(wrappedCommand)}",
            TimeSpan.FromMinutes(10));
        var id = JobIdLine().Match(output);
        if (code != 0) output += $"{Environment.NewLine}queue: {Shell("squeue -t all -o '%i %u %j %T %r %S' | head -n 30").Output}";
        return (id.Success ? id.Groups[1].Value : "", code, output);
    }

    /// <summary>A job's state as squeue knows it while MinJobAge keeps finished jobs (COMPLETED, FAILED, TIMEOUT, ...).</summary>
    public string JobState(string jobId) => Check($"squeue -h -t all -j {jobId} -o %T").Trim();

    public string ReadFile(string path) => Check($"cat {Processes.Quote(path)}");

    /// <summary>A small busybox SIF on the submit host, built there once by its Apptainer.</summary>
    public string BusyboxImage()
    {
        lock (this)
        {
            return _busyboxImage ??= BuildBusyboxImage();
        }
    }

    private string BuildBusyboxImage()
    {
        var dir = $"{JobDirectory}/busybox";
        var image = $"{JobDirectory}/busybox.sif";
        Check($"""
            set -e
            mkdir -p {dir}/rootfs/bin {dir}/rootfs/etc {dir}/rootfs/tmp
            cp /bin/busybox {dir}/rootfs/bin/busybox
            for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox {dir}/rootfs/bin/$a; done
            echo 'root:x:0:0:root:/root:/bin/sh' > {dir}/rootfs/etc/passwd
            chmod -R a+rX {dir}
            apptainer -s build {image} {dir}/rootfs/
            """, TimeSpan.FromMinutes(2));
        return image;
    }

    protected string Check(string command, TimeSpan? limit = null)
    {
        var (code, output) = Shell(command, limit);
        if (code != 0) throw new InvalidOperationException($"on {Description}: `{command}` exited with {code}: {output}");
        return output;
    }

    public abstract void Dispose();

    // sbatch --parsable prints "ID" or "ID;CLUSTER" on a line of its own.
    [GeneratedRegex(@"^(\d+)(;\S+)?\s*$", RegexOptions.Multiline)]
    private static partial Regex JobIdLine();
}
