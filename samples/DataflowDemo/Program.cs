using Dagon.Hosting;
using Dagon.Model;

// The seed's dataflow demo: A writes the hostname, B and C each add a random number to A's file, D joins them.
// The workflow:/// references are both the edges of the DAG and the data each task reads.
// Override the image with --image docker://ubuntu:20.04 where a registry is reachable.
var workflow = Workflow.Create("DataFlow-Demo-Apptainer")
    .DefaultImage(Path.Combine(AppContext.BaseDirectory, "dataflow.def"))
    .Task("A", t => t.Command("mkdir -p output && hostname > output/f1.txt"))
    .Task("B", t => t.Command("echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt"))
    .Task("C", t => t.Command("echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt"))
    .Task("D", t => t.Command("cat workflow:///B/f2.txt >> f3.txt && cat workflow:///C/f2.txt >> f3.txt && cat f3.txt"));

return await DagonHost.RunAsync(workflow, args);
