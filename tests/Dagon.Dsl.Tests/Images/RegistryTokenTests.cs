using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dagon.Images;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dagon.Dsl.Tests.Images;

/// <summary>
/// The registry token handshake, as Docker Hub asks for it, against a small HTTP endpoint on loopback that speaks the
/// protocol: the manifest answers 401 with a Bearer challenge, the token endpoint gives a token (to anyone, or only to
/// the right login), and the manifest answers its digest to that token only.
/// </summary>
public sealed class RegistryTokenTests : IDisposable
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Token = "token-for-dagon";
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<string> _tokenRequests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly int _port;

    public RegistryTokenTests()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    /// <summary>When set, the token endpoint gives a token only to this Basic login.</summary>
    private string? RequiredLogin { get; set; }

    private string Registry => $"127.0.0.1:{_port}";

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (HttpListenerException) { return; }
            Answer(context);
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var authorization = request.Headers["Authorization"];
        if (request.Url!.AbsolutePath == "/token")
        {
            _tokenRequests.Enqueue(request.Url.Query + " " + (authorization is null ? "anonymous" : "with-login"));
            var allowed = RequiredLogin is null || authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(RequiredLogin));
            response.StatusCode = allowed ? 200 : 401;
            if (allowed) response.OutputStream.Write(Encoding.UTF8.GetBytes($$"""{"token":"{{Token}}","expires_in":300}"""));
        }
        else if (request.Url.AbsolutePath == "/v2/dagon/hub/manifests/1" && authorization == "Bearer " + Token)
        {
            response.StatusCode = 200;
            response.Headers["Docker-Content-Digest"] = Digest;
        }
        else
        {
            response.StatusCode = 401;
            response.Headers["WWW-Authenticate"] = $"Bearer realm=\"http://{Registry}/token\",service=\"dagon-tests\",scope=\"repository:dagon/hub:pull\"";
        }

        response.Close();
    }

    private Task<DigestLookup> ResolveAsync(Dictionary<string, string> environment) =>
        new RegistryDigests(new RegistryLogins(new ConfigurationBuilder().Build(), name => environment.GetValueOrDefault(name)), NullLogger.Instance)
            .ResolveAsync(DockerReference.TryParse($"docker://{Registry}/dagon/hub:1")!, plainHttp: true, TimeSpan.FromSeconds(10), CancellationToken.None);

    [Fact]
    public async Task AnAnonymousTokenGivesTheDigest()
    {
        var lookup = await ResolveAsync([]);

        Assert.Equal(new DigestLookup(Digest, null), lookup);
        Assert.Equal(["?service=dagon-tests&scope=repository%3Adagon%2Fhub%3Apull anonymous"], _tokenRequests);
    }

    [Fact]
    public async Task ATokenEndpointThatWantsALoginGetsTheOneFromTheEnvironment()
    {
        RequiredLogin = "alice:s3cret";

        var lookup = await ResolveAsync(new() { [RegistryLogins.UserVariable] = "alice", [RegistryLogins.PasswordVariable] = "s3cret" });

        Assert.Equal(new DigestLookup(Digest, null), lookup);
        Assert.EndsWith(" with-login", Assert.Single(_tokenRequests), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenRefusedWithoutALoginSaysHowToGiveOne()
    {
        RequiredLogin = "alice:s3cret";

        var lookup = await ResolveAsync([]);

        Assert.Null(lookup.Digest);
        Assert.StartsWith($"{Registry} wants a login for dagon/hub, and none is set: set APPTAINER_DOCKER_USERNAME", lookup.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongLoginIsNamedByUserAndOriginButNotByPassword()
    {
        RequiredLogin = "alice:s3cret";

        var lookup = await ResolveAsync(new() { [RegistryLogins.UserVariable] = "alice", [RegistryLogins.PasswordVariable] = "guessed" });

        Assert.Equal($"{Registry} refused the login of user 'alice' (from APPTAINER_DOCKER_USERNAME/APPTAINER_DOCKER_PASSWORD) for dagon/hub",
            lookup.Problem);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        _stop.Dispose();
    }
}
