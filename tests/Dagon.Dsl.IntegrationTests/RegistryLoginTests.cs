using Dagon.Images;
using Dagon.Model;
using Dagon.Reporting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// Digest lookups against a real registry behind htpasswd Basic auth (Debian's docker-registry on loopback): with the
/// login the tag resolves to its digest and the image is pulled with it; without, or with a wrong password, the reason
/// is said; the password never reaches the log.
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class RegistryLoginTests(ApptainerFixture apptainer, ITestOutputHelper output) : IAsyncLifetime
{
    private const string User = "dagon-reader";
    private readonly string _password = "pw-" + Guid.NewGuid().ToString("N");
    private readonly string _passwordVariable = "DAGON_TEST_REGISTRY_PASSWORD_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private LoopbackRegistry _registry = null!;
    private string _digest = "";

    public async Task InitializeAsync()
    {
        _registry = await LoopbackRegistry.StartAsync(apptainer.NewFolder("registry"), login: (User, _password));
        _digest = await _registry.PushAsync(await _registry.LayoutAsync(apptainer.BusyboxSandbox, "locked"), "dagon/locked:1");
        Environment.SetEnvironmentVariable(_passwordVariable, _password);
    }

    public async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable(_passwordVariable, null);
        await _registry.DisposeAsync();
    }

    private Dictionary<string, string?> Section(string passwordVariable) => new()
    {
        [$"registry:{_registry.Address}:username"] = User,
        [$"registry:{_registry.Address}:password_env"] = passwordVariable,
    };

    private Task<DigestLookup> ResolveAsync(Dictionary<string, string?> settings) =>
        new RegistryDigests(new RegistryLogins(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), Environment.GetEnvironmentVariable),
                NullLogger.Instance)
            .ResolveAsync(DockerReference.TryParse($"docker://{_registry.Address}/dagon/locked:1")!, plainHttp: true, TimeSpan.FromSeconds(10),
                CancellationToken.None);

    [Fact]
    public async Task TheTagResolvesToItsDigestWithTheLogin()
    {
        var lookup = await ResolveAsync(Section(_passwordVariable));

        Assert.Null(lookup.Problem);
        Assert.Equal(_digest, lookup.Digest);
    }

    [Fact]
    public async Task WithoutALoginTheReasonAndTheWayToGiveOneAreSaid()
    {
        var lookup = await ResolveAsync([]);

        Assert.Null(lookup.Digest);
        Assert.Equal($"{_registry.Address} wants a login (Basic) for dagon/locked, and none is set: set APPTAINER_DOCKER_USERNAME and " +
            $"APPTAINER_DOCKER_PASSWORD, or a [registry:{_registry.Address}] section with username and password_env", lookup.Problem);
    }

    [Fact]
    public async Task AWrongPasswordIsRefusedWithoutBeingRepeated()
    {
        var wrongVariable = _passwordVariable + "_WRONG";
        Environment.SetEnvironmentVariable(wrongVariable, "not-" + _password);
        try
        {
            var lookup = await ResolveAsync(Section(wrongVariable));

            Assert.Null(lookup.Digest);
            Assert.Equal($"{_registry.Address} refused the login of user '{User}' (from [registry:{_registry.Address}]) for dagon/locked", lookup.Problem);
        }
        finally
        {
            Environment.SetEnvironmentVariable(wrongVariable, null);
        }
    }

    [Fact]
    public async Task ARunKeysTheImageByDigestPullsItWithTheLoginAndLogsNoPassword()
    {
        var image = $"docker://{_registry.Address}/dagon/locked:1";
        var settings = Section(_passwordVariable);
        settings["apptainer:nohttps"] = "true";
        using var host = new TestHost(output, apptainer.NewFolder("cache"), apptainer.NewFolder("tmp"), settings);

        var result = await host.Runner.RunAsync(Workflow.Create("locked").DefaultImage(image).Remove(false)
            .Task("V", t => t.Command("cat /etc/dagon-version").WritableTmpfs()).Build());

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal("locked", File.ReadAllText(result["V"].Workspace!.StdoutPath).Trim());
        Assert.Contains(host.Log, line => line == $"Tag {image} is {_digest}");
        Assert.DoesNotContain(host.Log, line => line.Contains(_password, StringComparison.Ordinal));
        Assert.DoesNotContain(_password, RunSummary.Format(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARunWithoutTheLoginSaysWhyTheImageIsKeyedByItsTag()
    {
        var image = $"docker://{_registry.Address}/dagon/locked:1";
        using var host = new TestHost(output, apptainer.NewFolder("cache"), apptainer.NewFolder("tmp"), new() { ["apptainer:nohttps"] = "true" });

        var result = await host.Runner.RunAsync(Workflow.Create("locked").DefaultImage(image).Task("V", t => t.Command("true").WritableTmpfs()).Build());

        Assert.False(result.Succeeded);
        Assert.Contains(host.Log, line => line.StartsWith($"No digest for {image} from this machine ({_registry.Address} wants a login (Basic)",
            StringComparison.Ordinal));
    }
}
