using Dagon.Dsl.Testing;
using Dagon.Dsl.Generators.Tests.Infrastructure;

namespace Dagon.Dsl.Generators.Tests;

public class SlurmGeneratorSnapshotTests
{
    [Fact]
    public void SchedulerAndSlurmSettingsBecomeFluentCallsOfTaskAndWorkflow()
    {
        var result = TestCompilation.RunAndCompile("""
            using Dagon;
            using Dagon.Model;

            [Workflow("hpc", DefaultImage = "docker://alpine:3", Scheduler = Scheduler.Slurm)]
            public partial class Hpc
            {
                [ApptainerTask(Command = "train", Cpus = 8, MemoryMb = 16000, Time = "1-02:00", Gpus = 2, Partition = "gpu",
                    Account = "proj", Qos = "high", Nodes = 1, TasksPerNode = 4, SlurmOptions = ["--constraint=a100", "--exclusive"])]
                public partial class Train;

                [BatchTask(Command = "ls", Scheduler = Scheduler.Direct)]
                public partial class List;

                [BatchTask(Command = "true")]
                public partial class Plain;
            }
            """);
        var tree = Assert.Single(result.GeneratedTrees);
        Snapshot.Match(tree.ToString(), "SlurmSettings", "cs");
    }
}
