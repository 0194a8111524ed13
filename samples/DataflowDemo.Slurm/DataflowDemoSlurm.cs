using Dagon;
using Dagon.Model;

namespace Dagon.Samples;

/// <summary>
/// DagOnStar's dataflow demo as Slurm jobs: A writes the node's hostname, B and C each add a random number to A's
/// file (they become ready together with equal requests, so they are submitted as one job array), D joins them.
/// Every task is a job because the workflow says so; a [host:NAME] section with <c>scheduler = slurm</c>, or
/// <c>--dagon:scheduler slurm</c>, would do the same for a workflow that does not.
/// </summary>
[Workflow("DataFlow-Demo-Slurm", DefaultImage = "dataflow.def", Scheduler = Scheduler.Slurm)]
public partial class DataflowDemoSlurm
{
    private const string AppendRandomToA = "echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt";

    [ApptainerTask(Command = "mkdir -p output && hostname > output/f1.txt", Cpus = 1, MemoryMb = 512, Time = "10")]
    public partial class A;

    [ApptainerTask(Command = AppendRandomToA, Cpus = 1, MemoryMb = 512, Time = "10")]
    public partial class B;

    [ApptainerTask(Command = AppendRandomToA, Cpus = 1, MemoryMb = 512, Time = "10")]
    public partial class C;

    [ApptainerTask(Command = "cat workflow:///B/f2.txt >> f3.txt && cat workflow:///C/f2.txt >> f3.txt && cat f3.txt",
        Cpus = 1, MemoryMb = 512, Time = "10")]
    public partial class D;
}
