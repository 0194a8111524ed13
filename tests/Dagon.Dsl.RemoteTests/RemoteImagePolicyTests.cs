using Dagon.Dsl.IntegrationTests;
using Dagon.Model;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

/// <summary>
/// The image policy on an SSH host: a real registry on this machine's side of the node's veth pair (the one address
/// the node reaches), the tag's digest resolved here and the node's cache keyed by it, a moved tag kept with
/// <c>pull = missing</c> and pulled with <c>always</c> (here a task's own Pull), <c>never</c> refused naming the host,
/// and a prebuilt .sif in the node's library folder used without a build.
/// </summary>
[Collection(RemoteNodeCollection.Name)]
public sealed class RemoteImagePolicyTests(RemoteNode node, ITestOutputHelper output) : IAsyncLifetime
{
    private LoopbackRegistry _registry = null!;
    private string _v1 = "";
    private string _v2 = "";

    private string Rootfs => node.LocalImage is null
        ? throw new InvalidOperationException(
            "the registry images are made from the busybox root file system the node fixture builds, which needs the local Apptainer " +
            "(/usr/local/bin/apptainer from scripts/setup-apptainer.sh) and /bin/busybox (busybox-static)")
        : Path.Combine(node.Scratch, "busybox-rootfs");

    public async Task InitializeAsync()
    {
        var folder = Path.Combine(node.Scratch, $"registry-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        _registry = await LoopbackRegistry.StartAsync(folder, node.Env["DAGON_NODE_HOST_ADDRESS"]);
        _v1 = await _registry.LayoutAsync(Rootfs, "v1");
        _v2 = await _registry.LayoutAsync(Rootfs, "v2");
    }

    public async Task DisposeAsync() => await _registry.DisposeAsync();

    private Dictionary<string, string?> Settings(string cache, Dictionary<string, string?>? extra = null)
    {
        var settings = node.Config();
        settings["apptainer:nohttps"] = "true";
        settings["host:node:image_cache_dir"] = cache;
        foreach (var (key, value) in extra ?? []) settings[key] = value;
        return settings;
    }

    private static WorkflowBuilder Version(string image, PullPolicy pull = PullPolicy.Unset) => Workflow.Create("RemotePolicy")
        .Task("V", t => t.Command("cat /etc/dagon-version").Image(image).OnHost("node").NoOverlay().Pull(pull));

    [Fact]
    public async Task A_moved_tag_is_kept_on_the_host_with_pull_missing_and_pulled_by_a_task_that_asks_always()
    {
        var image = $"docker://{_registry.Address}/dagon/moving:1";
        var first = await _registry.PushAsync(_v1, "dagon/moving:1");
        var cache = $"~/.cache/dagon/policy-{Guid.NewGuid():N}";

        await using (var initial = new Harness(Settings(cache), output))
        {
            var result = await initial.RunAsync(Version(image));
            Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, initial));
            Assert.Equal(["v1"], initial.StdoutOf("V"));
            Assert.Equal(1, initial.RemoteImages.BuildCount);
            Assert.Contains($"Tag {image} is {first}", initial.Log);
        }

        var moved = await _registry.PushAsync(_v2, "dagon/moving:1");
        await using (var missing = new Harness(Settings(cache), output))
        {
            var result = await missing.RunAsync(Version(image));
            Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, missing));
            Assert.Equal(["v1"], missing.StdoutOf("V"));
            Assert.Equal(0, missing.RemoteImages.BuildCount);
            Assert.Contains($"Tag {image} now points to {moved}; keeping the cached {first} on host 'node' (pull = missing)", missing.Log);
        }

        await using (var always = new Harness(Settings(cache), output))
        {
            var result = await always.RunAsync(Version(image, PullPolicy.Always));
            Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, always));
            Assert.Equal(["v2"], always.StdoutOf("V"));
            Assert.Equal(1, always.RemoteImages.BuildCount);
            Assert.Contains($"Tag {image} moved from {first} to {moved}; pulling the new digest on host 'node' (pull = always)", always.Log);
        }
    }

    [Fact]
    public async Task A_digest_pin_is_built_on_the_host_as_exactly_that_digest()
    {
        var pinned = await _registry.PushAsync(_v1, "dagon/pinned:1");
        await _registry.PushAsync(_v2, "dagon/pinned:1");

        await using var harness = new Harness(Settings($"~/.cache/dagon/pinned-{Guid.NewGuid():N}"), output);
        var result = await harness.RunAsync(Version($"docker://{_registry.Address}/dagon/pinned@{pinned}"));

        Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, harness));
        Assert.Equal(["v1"], harness.StdoutOf("V"));
    }

    [Fact]
    public async Task Pull_never_refuses_an_image_the_host_has_not_cached_and_names_the_host_and_the_image()
    {
        var image = $"docker://{_registry.Address}/dagon/never:1";
        await _registry.PushAsync(_v1, "dagon/never:1");

        await using var harness = new Harness(Settings($"~/.cache/dagon/never-{Guid.NewGuid():N}", new() { ["apptainer:pull"] = "never" }), output);
        var result = await harness.RunAsync(Version(image));

        Assert.False(result.Succeeded);
        Assert.Equal(0, harness.RemoteImages.BuildCount);
        Assert.Contains($"image '{image}' is not in the image cache on host 'node'", RemoteWorkflowTests.Describe(result, harness));
        Assert.Contains("pull = never forbids fetching it", RemoteWorkflowTests.Describe(result, harness));
    }

    [Fact]
    public async Task A_registry_that_gives_this_machine_no_digest_leaves_the_host_image_keyed_by_its_tag_and_says_so()
    {
        // A port nothing listens on: the lookup from here is refused, as for a registry only the host could reach.
        int closed;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Parse(_registry.Host), 0))
        {
            probe.Start();
            closed = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        var image = $"docker://{_registry.Host}:{closed}/dagon/elsewhere:1";
        await using var harness = new Harness(Settings($"~/.cache/dagon/tagged-{Guid.NewGuid():N}"), output);
        var result = await harness.RunAsync(Version(image));

        Assert.False(result.Succeeded);
        var line = Assert.Single(harness.Lines, l => l.Contains($"No digest for {image} from this machine (", StringComparison.Ordinal));
        Assert.Contains("the image on host 'node' is cached by its tag, so a moved tag is not noticed", line);
        Assert.Contains($"building image '{image}' on host 'node' failed", RemoteWorkflowTests.Describe(result, harness));
    }

    /// <summary>A folder in the node user's home holding the local busybox image as <c>prebuilt_2.sif</c>.</summary>
    private string LibraryOnNode()
    {
        var library = $"library-{Guid.NewGuid():N}";
        Assert.Equal(0, node.Ssh($"mkdir -p ~/{library}").Code);
        var (code, text) = RemoteNode.Run("scp", ["-q", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={node.KnownHostsPath}", "-i", node.KeyPath,
            "-P", RemoteNode.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), node.LocalImage!, $"{node.User}@{node.Address}:{library}/prebuilt_2.sif"],
            check: false);
        Assert.True(code == 0, text);
        return library;
    }

    [Fact]
    public async Task A_dry_run_reports_the_sif_in_the_hosts_library_folder_as_the_image_used_there()
    {
        var library = LibraryOnNode();
        var image = $"docker://{_registry.Address}/dagon/prebuilt:2"; // never pushed: only the library folder on the node can give it
        await using var harness = new Harness(Settings($"~/.cache/dagon/library-{Guid.NewGuid():N}",
            new() { ["host:node:library_dirs"] = $"/nonexistent:~/{library}" }), output);

        var report = await harness.PreflightAsync(Version(image));
        output.WriteLine(report.Format(1));

        Assert.True(report.CouldRun, report.Format(1));
        Assert.Matches($@"ok    image {System.Text.RegularExpressions.Regex.Escape(image)} \(for V\) on host 'node': library image /\S+/{library}/prebuilt_2\.sif\n",
            report.Format(1));
        Assert.Equal(0, harness.RemoteImages.BuildCount);
        Assert.Equal(0, harness.RemoteImages.UploadCount);
    }

    [Fact]
    public async Task A_dry_run_under_pull_never_without_a_cached_image_on_the_host_fails_naming_the_host_and_writes_nothing_there()
    {
        var image = $"docker://{_registry.Address}/dagon/never-dry:1";
        await _registry.PushAsync(_v1, "dagon/never-dry:1");
        var cache = $"~/.cache/dagon/never-dry-{Guid.NewGuid():N}";
        await using var harness = new Harness(Settings(cache, new() { ["apptainer:pull"] = "never" }), output);

        var report = await harness.PreflightAsync(Version(image));
        output.WriteLine(report.Format(1));

        var problem = Assert.Single(report.Problems);
        Assert.StartsWith($"image {image} (for V) on host 'node': image '{image}' is not in the image cache on host 'node' (", problem, StringComparison.Ordinal);
        Assert.Contains("pull = never forbids fetching it", problem, StringComparison.Ordinal);
        Assert.Equal(0, harness.RemoteImages.BuildCount);
        Assert.NotEqual(0, node.Ssh($"test -e {cache}").Code); // the host's cache folder was not even made
    }

    [Fact]
    public async Task A_sif_in_the_hosts_library_folder_is_used_without_a_build()
    {
        var library = LibraryOnNode();

        // Never pushed: only the library folder on the node can give this image.
        var image = $"docker://{_registry.Address}/dagon/prebuilt:2";
        await using var harness = new Harness(Settings($"~/.cache/dagon/library-{Guid.NewGuid():N}",
            new() { ["host:node:library_dirs"] = $"/nonexistent:~/{library}" }), output);
        var result = await harness.RunAsync(Workflow.Create("RemoteLibrary")
            .Task("L", t => t.Command("echo from-library").Image(image).OnHost("node").NoOverlay()));

        Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, harness));
        Assert.Equal(["from-library"], harness.StdoutOf("L"));
        Assert.Equal(0, harness.RemoteImages.BuildCount);
        Assert.Equal(0, harness.RemoteImages.UploadCount);
        Assert.Contains($"/{library}/prebuilt_2.sif on host 'node' for {image} (no build)", harness.Log);
    }
}
