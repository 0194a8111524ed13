using Dagon.Hosting;
using Dagon.Model;

// Runs until stopped (DAGON_TEST_MODE unset): a container task and a batch task that also leaves a detached child,
// each printing "started" once it runs. DAGON_TEST_MODE=quick: one batch task that ends at once.
// DAGON_TEST_MODE=overlay: one container task with an overlay of DAGON_TEST_OVERLAY_MB. The image is DAGON_TEST_IMAGE;
// the marker in the sleep durations lets the tests find exactly these processes.
var marker = Environment.GetEnvironmentVariable("DAGON_TEST_MARKER") ?? "300";
var image = Environment.GetEnvironmentVariable("DAGON_TEST_IMAGE");
var workflow = Environment.GetEnvironmentVariable("DAGON_TEST_MODE") switch
{
    "quick" => Workflow.Create("Quick").BatchTask("Done", "echo done"),
    "overlay" => Workflow.Create("Overlay").DefaultImage(image ?? throw new InvalidOperationException("set DAGON_TEST_IMAGE"))
        .Task("Big", t => t.Command("echo started").OverlaySize(int.Parse(Environment.GetEnvironmentVariable("DAGON_TEST_OVERLAY_MB") ?? "64",
            System.Globalization.CultureInfo.InvariantCulture))),
    _ => Workflow.Create("Sleepers")
        .DefaultImage(image ?? throw new InvalidOperationException("set DAGON_TEST_IMAGE"))
        .Task("Container", t => t.Command($"echo started; sleep {marker}1").OverlaySize(64))
        .BatchTask("Batch", $"(sleep {marker}2 &); echo started; sleep {marker}3"),
};
return await DagonHost.RunAsync(workflow, args);
