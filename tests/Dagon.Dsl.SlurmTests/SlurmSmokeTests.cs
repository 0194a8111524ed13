namespace Dagon.Dsl.SlurmTests;

/// <summary>What every Slurm the tests use must do: run a batch job to its end under `sbatch --wait`, and let a job run Apptainer.</summary>
public abstract class SlurmSmokeTests(SlurmCluster slurm)
{
    [Fact]
    public void Sbatch_wait_runs_a_job_that_writes_its_output_file()
    {
        var marker = $"dagon slurm smoke {Guid.NewGuid():N}";
        var outputFile = $"{slurm.JobDirectory}/smoke-{Guid.NewGuid():N}.out";

        var (jobId, code, output) = slurm.SubmitAndWait($"echo {Processes.Quote(marker)}", outputFile);

        Assert.True(code == 0, $"sbatch --parsable --wait on {slurm.Description} exited with {code}: {output}");
        Assert.Matches(@"^\d+$", jobId);
        Assert.Equal(marker, slurm.ReadFile(outputFile).Trim());
        Assert.Equal("COMPLETED", slurm.JobState(jobId));
    }

    [Fact]
    public void A_job_runs_apptainer_exec()
    {
        var image = slurm.BusyboxImage();
        var outputFile = $"{slurm.JobDirectory}/apptainer-{Guid.NewGuid():N}.out";

        var (jobId, code, output) = slurm.SubmitAndWait(
            $"apptainer -s exec {image} sh -c 'echo container says hi; test -e /.singularity.d && echo in apptainer'", outputFile);

        Assert.True(code == 0, $"sbatch --wait of job {jobId} on {slurm.Description} exited with {code}: {output}; job output: {slurm.Shell($"cat {outputFile}").Output}");
        Assert.Equal("container says hi\nin apptainer", slurm.ReadFile(outputFile).Trim());
    }
}

[Collection(LocalSlurmCollection.Name)]
public sealed class LocalSlurmTests(LocalSlurm slurm) : SlurmSmokeTests(slurm)
{
    [Fact]
    public void Sinfo_reports_Slurm_22() => Assert.StartsWith("slurm-wlm 22.", slurm.Version());
}

[Collection(NodeSlurmCollection.Name)]
public sealed class NodeSlurmTests(NodeSlurm slurm) : SlurmSmokeTests(slurm)
{
    [Fact]
    public void Sinfo_reports_Slurm_26() => Assert.StartsWith("slurm-wlm 26.", slurm.Version());

    [Fact]
    public void Jobs_run_as_the_login_user_on_the_node()
    {
        var outputFile = $"{slurm.JobDirectory}/whoami-{Guid.NewGuid():N}.out";

        var (_, code, output) = slurm.SubmitAndWait("echo $(id -un)@$(hostname)", outputFile);

        Assert.True(code == 0, output);
        Assert.Equal($"{slurm.User}@{slurm.HostName}", slurm.ReadFile(outputFile).Trim());
    }
}

/// <summary>The two clusters are different Slurms: this machine's and the node's report different major versions.</summary>
[Collection(NodeSlurmCollection.Name)]
public sealed class TwoSlurmsTests(NodeSlurm node, LocalSlurm local) : IClassFixture<LocalSlurm>
{
    [Fact]
    public void This_machine_and_the_node_report_different_Slurm_versions()
    {
        var here = local.Version();
        var there = node.Version();

        Assert.NotEqual(Major(here), Major(there));
        Assert.Equal(("22", "26"), (Major(here), Major(there)));
    }

    private static string Major(string version) => version.Split(' ').Last().Split('.')[0];
}
