using Dagon.Hosting;
using Dagon.Model;

// Runs until stopped (DAGON_TEST_MODE unset): a container task and a batch task that also leaves a detached child,
// each printing "started" once it runs. DAGON_TEST_MODE=quick: one batch task that ends at once. The image is
// DAGON_TEST_IMAGE; the marker in the sleep durations lets the tests find exactly these processes.
var marker = Environment.GetEnvironmentVariable("DAGON_TEST_MARKER") ?? "300";
var workflow = Environment.GetEnvironmentVariable("DAGON_TEST_MODE") == "quick"
    ? Workflow.Create("Quick").BatchTask("Done", "echo done")
    : Workflow.Create("Sleepers")
        .DefaultImage(Environment.GetEnvironmentVariable("DAGON_TEST_IMAGE") ?? throw new InvalidOperationException("set DAGON_TEST_IMAGE"))
        .Task("Container", t => t.Command($"echo started; sleep {marker}1").OverlaySize(64))
        .BatchTask("Batch", $"(sleep {marker}2 &); echo started; sleep {marker}3");
return await DagonHost.RunAsync(workflow, args);
