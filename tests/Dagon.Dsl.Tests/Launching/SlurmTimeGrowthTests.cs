using Dagon.Launching.Slurm;
using Dagon.Model;
using Dagon.Staging;
using Microsoft.Extensions.Configuration;

namespace Dagon.Dsl.Tests.Launching;

/// <summary>The time limit a retried Slurm task asks for: N times its own on attempt N, cut to its partition's, unless growing is off.</summary>
public sealed class SlurmTimeGrowthTests
{
    private static readonly SlurmPreflight.Partition Short = new("short", true, 2, 18079, 10, false);

    private static IReadOnlyList<string> SbatchOptions(string? time, int attempt, bool grow, SlurmPreflight.Partition? partition = null)
    {
        var grown = SlurmRun.TimeForAttempt(time, attempt, grow, partition);
        var job = new SlurmJob("A", ["true"], new TaskWorkspace("/w/A"), SlurmRequest.None, grown?.Time ?? time);
        Assert.Contains($"#SBATCH --time={grown?.Time ?? time}\n", SlurmJobScript.Single("dagon-r-A", job, new SlurmOptions()), StringComparison.Ordinal);
        return SlurmJobScript.ResourceOptions(job, new SlurmOptions());
    }

    [Theory]
    [InlineData(true, 1, "--time=1")]
    [InlineData(true, 2, "--time=00:02:00")]
    [InlineData(true, 3, "--time=00:03:00")]
    [InlineData(false, 2, "--time=1")]
    [InlineData(false, 3, "--time=1")]
    public void AttemptNAsksForNTimesTheTimeLimitUnlessGrowingIsOff(bool grow, int attempt, string expected)
    {
        var options = SbatchOptions("1", attempt, grow);

        Assert.Equal([expected], options.Where(o => o.StartsWith("--time", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("0:30", 3, "00:01:30", "00:00:30")] // MM:SS keeps its seconds
    [InlineData("1:30:00", 2, "03:00:00", "01:30:00")]
    [InlineData("1-12", 2, "3-00:00:00", "1-12:00:00")] // D-HH: days and hours
    [InlineData("90", 20, "1-06:00:00", "01:30:00")]
    public void EveryTimeFormatGrowsByItsExactLength(string time, int attempt, string grown, string first)
    {
        var result = SlurmRun.TimeForAttempt(time, attempt, growTime: true, partition: null);

        Assert.Equal((grown, first, (SlurmPreflight.Partition?)null), (result!.Time, result.First, result.CappedBy));
    }

    [Fact]
    public void ATimeoutBecomesTheTimeLimitThatGrows()
    {
        var task = Workflow.Create("W").BatchTask("T", "true", t => t.Timeout(TimeSpan.FromSeconds(90))).Build().Tasks[0];

        Assert.Equal("2", SlurmRun.TimeOf(task));
        Assert.Equal("00:04:00", SlurmRun.TimeForAttempt(SlurmRun.TimeOf(task), 2, growTime: true, partition: null)!.Time);
    }

    [Fact]
    public void AGrownLimitIsCutToThePartitionsLimit()
    {
        var grown = SlurmRun.TimeForAttempt("6", 2, growTime: true, Short);

        Assert.Equal(("00:10:00", "00:06:00", Short), (grown!.Time, grown.First, grown.CappedBy));
        Assert.Contains("--time=00:10:00", SbatchOptions("6", 2, grow: true, Short));
    }

    [Fact]
    public void ALimitAlreadyAtThePartitionsStaysAsTheTaskWroteIt()
    {
        Assert.Null(SlurmRun.TimeForAttempt("10", 3, growTime: true, Short));
        Assert.Contains("--time=10", SbatchOptions("10", 3, grow: true, Short));
    }

    [Fact]
    public void ATaskWithoutATimeLimitAsksForNoneOnLaterAttempts()
    {
        Assert.Null(SlurmRun.TimeForAttempt(null, 3, growTime: true, partition: null));
        Assert.DoesNotContain(SlurmJobScript.ResourceOptions(new SlurmJob("A", ["true"], new TaskWorkspace("/w/A"), SlurmRequest.None, null), new SlurmOptions()),
            o => o.StartsWith("--time", StringComparison.Ordinal));
    }

    [Fact]
    public void GrowingTimeIsOnByDefaultAndAHostCanTurnItOffForItself()
    {
        var settings = new SlurmSettings(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["host:node:slurm_grow_time_per_attempt"] = "false",
            ["host:node:slurm_grow_memory_per_attempt"] = "false",
        }).Build());

        Assert.True(new SlurmOptions().GrowTimePerAttempt);
        Assert.True(settings.For(null).GrowTimePerAttempt);
        Assert.False(settings.For("node").GrowTimePerAttempt);
        Assert.False(settings.For("node").GrowMemoryPerAttempt);
    }

    [Fact]
    public void TheRunWideSettingTurnsItOffEverywhere()
    {
        var settings = new SlurmSettings(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["slurm:grow_time_per_attempt"] = "false",
        }).Build());

        Assert.False(settings.For(null).GrowTimePerAttempt);
        Assert.False(settings.For("node").GrowTimePerAttempt);
    }
}
