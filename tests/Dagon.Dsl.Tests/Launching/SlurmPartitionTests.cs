using Dagon.Launching.Slurm;

namespace Dagon.Dsl.Tests.Launching;

public class SlurmPartitionTests
{
    [Fact]
    public void SinfoLinesOfOnePartitionKeepItsLargestNodeAndTheDefaultMark()
    {
        var partitions = SlurmPreflight.Parse("debug|up|2|18079|infinite|debug*\nshort|up|2|18079|10:00|short\nshort|up|64+|256000|10:00|short\nold|down|2|100|1-00:00:00|old\n");

        Assert.Equal(new SlurmPreflight.Partition("debug", true, 2, 18079, null, true), partitions["debug"]);
        Assert.Equal(new SlurmPreflight.Partition("short", true, 64, 256000, 10, false), partitions["short"]);
        Assert.Equal(new SlurmPreflight.Partition("old", false, 2, 100, 1440, false), partitions["old"]);
    }
}
