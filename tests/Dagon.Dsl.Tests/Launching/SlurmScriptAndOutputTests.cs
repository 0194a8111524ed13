using Dagon.Launching.Slurm;
using Dagon.Model;
using Dagon.Scheduling;
using Dagon.Staging;

namespace Dagon.Dsl.Tests.Launching;

public class SlurmScriptAndOutputTests
{
    private static SlurmJob Job(string name, string root, SlurmRequest? request = null, string? time = null) =>
        new(name, ["/bin/sh", "-c", "echo 'it''s' > out.txt; exit 3"], new TaskWorkspace(root), request ?? SlurmRequest.None, time);

    [Fact]
    public void SingleJobScriptExecsTheQuotedArgvWithLogsFolderAndResources()
    {
        var job = Job("A", "/scratch/dagon-r1/A", new SlurmRequest { Cpus = 2, MemoryMb = 512, Options = ["--exclusive"] }, "10");

        var script = SlurmJobScript.Single("dagon-r1-A", job, new SlurmOptions { Partition = "debug" });

        Assert.Equal("""
            #!/bin/sh
            # Written by Dagon. Submit again by hand with: sbatch job.sh
            #SBATCH --job-name=dagon-r1-A
            #SBATCH --output=/scratch/dagon-r1/A/stdout.log
            #SBATCH --error=/scratch/dagon-r1/A/stderr.log
            #SBATCH --chdir=/scratch/dagon-r1/A/work
            #SBATCH --partition=debug
            #SBATCH --time=10
            #SBATCH --cpus-per-task=2
            #SBATCH --mem=512M
            #SBATCH --exclusive
            exec /bin/sh -c 'echo '\''it'\'''\''s'\'' > out.txt; exit 3'

            """.Replace("\r\n", "\n"), script);
    }

    [Fact]
    public void ArrayScriptRunsEachElementInItsOwnFolderWithItsOwnLogs()
    {
        var script = SlurmJobScript.Array("dagon-r1-array1", [Job("B", "/w/B"), Job("C", "/w/C")], "/w/slurm-array-1", new SlurmOptions());

        Assert.Contains("#SBATCH --array=0-1\n", script);
        Assert.Contains("#SBATCH --error=/w/slurm-array-1_%a.err\n", script);
        Assert.Contains("0) cd /w/B/work || exit 1; exec /bin/sh -c ", script);
        Assert.Contains(" >/w/B/stdout.log 2>/w/B/stderr.log ;;\n1) cd /w/C/work", script);
        Assert.EndsWith("esac\necho \"dagon: no task for array index $SLURM_ARRAY_TASK_ID\" >&2\nexit 1\n", script);
    }

    [Fact]
    public void WorkspaceWithWhiteSpaceIsRefusedRatherThanCutBySbatch() =>
        Assert.Throws<SlurmSubmitException>(() => SlurmJobScript.Single("n", Job("A", "/my scratch/A"), new SlurmOptions()));

    [Fact]
    public void SqueueLinesOfJobsAndArrayElementsAreRead()
    {
        var states = SlurmOutputParser.Squeue("13_0|COMPLETED|None\n13_1|FAILED|NonZeroExitCode\n14|PENDING|Priority\n");

        Assert.Equal(["13_0", "13_1", "14"], states.Keys.Order());
        Assert.True(states["13_0"].IsFinished);
        Assert.True(states["13_1"].NeedsExitCode);
        Assert.False(states["14"].IsFinished);
        Assert.Equal("Priority", states["14"].Reason);
    }

    [Fact]
    public void ScontrolNamesArrayElementsAsSqueueDoesAndSkipsPendingRanges()
    {
        var states = SlurmOutputParser.Scontrol(
            "JobId=13 ArrayJobId=13 ArrayTaskId=1-2 JobState=PENDING ExitCode=0:0\n" +
            "JobId=16 ArrayJobId=13 ArrayTaskId=0 JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0\n" +
            "JobId=12 JobName=j.sh JobState=FAILED Reason=NonZeroExitCode ExitCode=4:0\n");

        Assert.Equal(["12", "13_0"], states.Keys.Order());
        Assert.Equal("3:0", states["13_0"].ExitCode);
    }

    [Fact]
    public void SbatchParsableAnswerWithClusterGivesTheId()
    {
        Assert.Equal("123", SlurmOutputParser.JobId("123;cluster\n"));
        Assert.Null(SlurmOutputParser.JobId("sbatch: error: invalid partition"));
    }

    [Theory]
    [InlineData("FAILED", "3:0", "command exited with code 3 (Slurm job 7)", FailureKind.ExitCode)]
    [InlineData("FAILED", "0:9", "Slurm job 7 was killed by signal 9", FailureKind.Other)]
    [InlineData("TIMEOUT", "0:0", "Slurm job 7 reached its time limit (1) and was killed by Slurm (TIMEOUT)", FailureKind.Timeout)]
    [InlineData("OUT_OF_MEMORY", "0:125", "Slurm job 7 ran out of memory (--mem=100M) and was killed by Slurm (OUT_OF_MEMORY)", FailureKind.OutOfMemory)]
    [InlineData("NODE_FAIL", "0:0", "the node running Slurm job 7 failed (NODE_FAIL)", FailureKind.NodeFailure)]
    [InlineData("PREEMPTED", "0:0", "Slurm job 7 was preempted by another job (PREEMPTED)", FailureKind.NodeFailure)]
    [InlineData("BOOT_FAIL", "0:0", "the node for Slurm job 7 failed to boot (BOOT_FAIL)", FailureKind.NodeFailure)]
    [InlineData("CANCELLED by 0", "0:15", "Slurm job 7 was cancelled outside the run (scancel or an administrator)", FailureKind.Other)]
    public void FinalStatesBecomeFailuresWithAReasonAndAKind(string state, string exitCode, string reason, FailureKind kind)
    {
        var outcome = new SlurmJobState("7", state, ExitCode: exitCode).ToOutcome("", Job("A", "/w/A", new SlurmRequest { MemoryMb = 100 }, "1"), []);

        Assert.Equal(TaskState.Failed, outcome.State);
        Assert.Equal(reason, outcome.Reason);
        Assert.Equal(kind, outcome.Failure);
    }

    [Fact]
    public void AJobKilledForItsMemoryIsToldApartByTheStepMessage()
    {
        var tail = new[] { "slurmstepd-vm: error: Exceeded job memory limit" };

        var outcome = new SlurmJobState("7", "FAILED", ExitCode: "0:9").ToOutcome("", Job("A", "/w/A", new SlurmRequest { MemoryMb = 100 }), tail);

        Assert.Equal("Slurm job 7 ran out of memory (--mem=100M) and was killed by Slurm (FAILED)", outcome.Reason);
        Assert.Equal(FailureKind.OutOfMemory, outcome.Failure);
    }

    [Theory]
    [InlineData(true, 1, "--mem=128M")]
    [InlineData(true, 2, "--mem=256M")]
    [InlineData(true, 3, "--mem=384M")]
    [InlineData(false, 2, "--mem=128M")]
    public void AttemptNAsksForNTimesTheMemoryUnlessGrowingIsOff(bool grow, int attempt, string expected)
    {
        var request = new SlurmRequest { MemoryMb = 128, Cpus = 1 };

        var job = Job("A", "/w/A", SlurmRun.ForAttempt(request, attempt, grow));
        var options = SlurmJobScript.ResourceOptions(job, new SlurmOptions());

        Assert.Contains(expected, options);
        Assert.Contains("--cpus-per-task=1", options);
        Assert.Single(options, o => o.StartsWith("--mem=", StringComparison.Ordinal));
        Assert.Contains("#SBATCH " + expected + "\n", SlurmJobScript.Single("dagon-r-A", job, new SlurmOptions()), StringComparison.Ordinal);
    }

    [Fact]
    public void ATaskWithoutAMemoryRequestAsksForNoneOnLaterAttempts() =>
        Assert.Null(SlurmRun.ForAttempt(new SlurmRequest { Cpus = 2 }, 3, growMemory: true).MemoryMb);

    [Fact]
    public void GrowingMemoryIsOnByDefault() => Assert.True(new SlurmOptions().GrowMemoryPerAttempt);

    [Fact]
    public void ACompletedJobSucceeds() =>
        Assert.Equal(TaskState.Succeeded, new SlurmJobState("7", "COMPLETED", ExitCode: "0:0").ToOutcome("", Job("A", "/w/A"), []).State);
}
