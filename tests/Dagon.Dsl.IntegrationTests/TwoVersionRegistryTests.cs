using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// What the image policy's tests share: a real registry on loopback with two busybox layouts (<see cref="V1"/> and
/// <see cref="V2"/>, whose <c>/etc/dagon-version</c> says which) to push, tag and retag, and test hosts that reach it
/// over plain http.
/// </summary>
public abstract class TwoVersionRegistryTests(ApptainerFixture apptainer, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<TestHost> _hosts = [];

    protected ApptainerFixture Apptainer { get; } = apptainer;

    protected ITestOutputHelper Output { get; } = output;

    /// <summary>Replaced by a test that stops the registry, so that disposal has one to stop.</summary>
    protected LoopbackRegistry Registry { get; set; } = null!;

    protected string V1 { get; private set; } = "";

    protected string V2 { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Registry = await LoopbackRegistry.StartAsync(Apptainer.NewFolder("registry"));
        V1 = await Registry.LayoutAsync(Apptainer.BusyboxSandbox, "v1");
        V2 = await Registry.LayoutAsync(Apptainer.BusyboxSandbox, "v2");
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts) host.Dispose();
        await Registry.DisposeAsync();
    }

    /// <summary>A host with the image cache <paramref name="cache"/>, plain http to the registry, and more settings.</summary>
    protected TestHost Host(string cache, Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?> { ["apptainer:nohttps"] = "true" };
        foreach (var (key, value) in settings ?? []) values[key] = value;
        var host = new TestHost(Output, cache, Apptainer.NewFolder("tmp"), values);
        _hosts.Add(host);
        return host;
    }
}
