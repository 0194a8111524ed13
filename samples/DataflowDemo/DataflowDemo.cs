using Dagon;

namespace Dagon.Samples;

/// <summary>
/// DagOnStar's dataflow demo: A writes the hostname, B and C each add a random number to A's file, D joins them.
/// The workflow:/// references are both the edges of the DAG and the data each task reads; the generator turns them
/// into DependsOn edges and the analyzers check them while you type.
/// </summary>
/// <remarks>The image is built once from dataflow.def; override it with --image docker://ubuntu:20.04 where a registry is reachable.</remarks>
[Workflow("DataFlow-Demo-Apptainer", DefaultImage = "dataflow.def")]
public partial class DataflowDemo
{
    private const string AppendRandomToA = "echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt";

    [ApptainerTask(Command = "mkdir -p output && hostname > output/f1.txt", Outputs = new[] { "output/f1.txt" })]
    public partial class A;

    [ApptainerTask(Command = AppendRandomToA, Outputs = new[] { "f2.txt" })]
    public partial class B;

    [ApptainerTask(Command = AppendRandomToA, Outputs = new[] { "f2.txt" })]
    public partial class C;

    [ApptainerTask(Command = "cat workflow:///B/f2.txt >> f3.txt && cat workflow:///C/f2.txt >> f3.txt && cat f3.txt",
        Outputs = new[] { "f3.txt" }, Publish = "results/")]
    public partial class D;
}
