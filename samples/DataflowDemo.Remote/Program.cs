using Dagon.Hosting;
using Dagon.Model;

// DagOnStar's remote dataflow demo: the same four tasks as DataflowDemo, all on the host of dagon.ini's [ssh] section.
// A writes the host's name, B and C each add a random number to A's file, D joins them; every file stays on the host
// (same-host references are read-only mounts, no copy). Run from this folder (it reads ./dagon.ini) or pass
// --config FILE. The image is built on the host, once, from busybox-host.def; where the host can pull images, pass
// --image docker://ubuntu:20.04 instead.
const string host = "ssh";
var workflow = Workflow.Create("DataFlow-Demo-Apptainer-Remote")
    .DefaultImage(Path.Combine(AppContext.BaseDirectory, "busybox-host.def"))
    .Task("A", t => t.Command("mkdir -p output && hostname > output/f1.txt").OnHost(host))
    .Task("B", t => t.Command("echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt").OnHost(host))
    .Task("C", t => t.Command("echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt").OnHost(host))
    .Task("D", t => t.Command("cat workflow:///B/f2.txt >> f3.txt && cat workflow:///C/f2.txt >> f3.txt && cat f3.txt").OnHost(host));

return await DagonHost.RunAsync(workflow, args);
