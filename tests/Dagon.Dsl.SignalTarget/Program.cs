using Dagon.Hosting;
using Dagon.Model;

// Runs until stopped (DAGON_TEST_MODE unset): a container task and a batch task that also leaves a detached child,
// each printing "started" once it runs. DAGON_TEST_MODE=quick: one batch task that ends at once. The image is
// DAGON_TEST_IMAGE; the marker in the sleep durations lets the tests find exactly these processes.
var marker = Environment.GetEnvironmentVariable("DAGON_TEST_MARKER") ?? "300";
// DAGON_TEST_MODE=dataflow: the demo's shape in containers; every task appends its name to /count/execs (a bind of
// DAGON_TEST_COUNT) and C waits for /count/go, so a test can kill the engine while C runs.
var count = Environment.GetEnvironmentVariable("DAGON_TEST_COUNT") ?? "/nonexistent";
var workflow = Environment.GetEnvironmentVariable("DAGON_TEST_MODE") switch
{
    "quick" => Workflow.Create("Quick").BatchTask("Done", "echo done"),
    // One batch task on the host profile "node" (given as --host:node:... keys), so a test can kill the engine mid-task.
    "remote" => Workflow.Create("Remote").BatchTask("Sleeper", $"echo started; sleep {marker}4", t => t.OnHost("node")),
    // A -> B -> C on the host profile "node"; DAGON_TEST_COUNT is a folder on the node. Each task appends its name
    // to execs there; B prints "started", waits for a file "go" there, then appends to "finished", so a test can kill
    // the engine while B waits and see whether that B ever went on.
    "remotedataflow" => Workflow.Create("RemoteResumable")
        .BatchTask("A", $"echo A >> {count}/execs; echo 42 > f1.txt", t => t.OnHost("node").Outputs("f1.txt"))
        .BatchTask("B", $"echo B >> {count}/execs; echo started; while [ ! -f {count}/go ]; do sleep 0.2; done; " +
                        $"cat workflow:///A/f1.txt > f2.txt; echo b >> f2.txt; echo B >> {count}/finished", t => t.OnHost("node").Outputs("f2.txt"))
        .BatchTask("C", $"echo C >> {count}/execs; cat workflow:///B/f2.txt > f3.txt; echo c >> f3.txt",
            t => t.OnHost("node").Outputs("f3.txt").Publish(Path.Combine(Environment.GetEnvironmentVariable("DAGON_TEST_RESULTS") ?? "/nonexistent", "results"))),
    // One batch task as a Slurm job (with --dagon:scheduler=slurm or a host profile whose scheduler is slurm), on
    // host profile DAGON_TEST_HOST when set, so a test can kill the engine while the job runs.
    "slurm" => Workflow.Create("SlurmSleeper").BatchTask("Sleeper", $"sleep {marker}5",
        Environment.GetEnvironmentVariable("DAGON_TEST_HOST") is { Length: > 0 } host ? t => t.OnHost(host) : null),
    // One container task with an overlay of DAGON_TEST_OVERLAY_MB: a first run makes the overlay's template.
    "overlay" => Workflow.Create("Overlay")
        .DefaultImage(Environment.GetEnvironmentVariable("DAGON_TEST_IMAGE") ?? throw new InvalidOperationException("set DAGON_TEST_IMAGE"))
        .Task("Big", t => t.Command("echo started").OverlaySize(
            int.Parse(Environment.GetEnvironmentVariable("DAGON_TEST_OVERLAY_MB") ?? "64", System.Globalization.CultureInfo.InvariantCulture))),
    // A large output published to DAGON_TEST_COUNT/results, so that a test can kill the engine mid-copy.
    "publish" => Workflow.Create("Publishing")
        .BatchTask("Big", "head -c 600M /dev/urandom > big.bin", t => t.Outputs("big.bin").Publish(Path.Combine(count, "results"))),
    "dataflow" => Workflow.Create("Resumable")
        .DefaultImage(Environment.GetEnvironmentVariable("DAGON_TEST_IMAGE") ?? throw new InvalidOperationException("set DAGON_TEST_IMAGE"))
        .Task("A", t => t.Command("echo A >> /count/execs; mkdir -p output && echo 42 > output/f1.txt").Outputs("output/f1.txt").Bind($"{count}:/count").NoOverlay())
        .Task("B", t => t.Command("echo B >> /count/execs; cat workflow:///A/output/f1.txt > f2.txt; echo b >> f2.txt").Outputs("f2.txt").Bind($"{count}:/count").NoOverlay())
        .Task("C", t => t.Command("echo C >> /count/execs; echo started; while [ ! -f /count/go ]; do sleep 0.2; done; cat workflow:///A/output/f1.txt > f2.txt; echo c >> f2.txt")
            .Outputs("f2.txt").Bind($"{count}:/count").NoOverlay())
        .Task("D", t => t.Command("echo D >> /count/execs; cat workflow:///B/f2.txt workflow:///C/f2.txt > f3.txt").Outputs("f3.txt")
            .Publish(Path.Combine(count, "results")).Bind($"{count}:/count").NoOverlay()),
    _ => Workflow.Create("Sleepers")
        .DefaultImage(Environment.GetEnvironmentVariable("DAGON_TEST_IMAGE") ?? throw new InvalidOperationException("set DAGON_TEST_IMAGE"))
        .Task("Container", t => t.Command($"echo started; sleep {marker}1").OverlaySize(64))
        .BatchTask("Batch", $"(sleep {marker}2 &); echo started; sleep {marker}3"),
};
return await DagonHost.RunAsync(workflow, args);
