using System.Net.Http.Headers;
using Dagon.Images;
using Microsoft.Extensions.Configuration;

namespace Dagon.Dsl.Tests.Images;

/// <summary>Where registry credentials come from, and how a registry's login challenge is read.</summary>
public class RegistryLoginsTests
{
    private static RegistryLogins Logins(Dictionary<string, string?> settings, Dictionary<string, string> environment) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), name => environment.GetValueOrDefault(name));

    [Fact]
    public void ARegistrySectionWithAPortNamesTheVariableHoldingThePassword()
    {
        var logins = Logins(new() { ["registry:127.0.0.1:5000:username"] = "alice", ["registry:127.0.0.1:5000:password_env"] = "REG_PW" },
            new() { ["REG_PW"] = "s3cret", [RegistryLogins.UserVariable] = "bob", [RegistryLogins.PasswordVariable] = "other" });

        Assert.Equal(new RegistryLogin("alice", "s3cret", "[registry:127.0.0.1:5000]"), logins.For("127.0.0.1:5000"));
        Assert.Equal("bob", logins.For("quay.io")!.User);
        Assert.Equal(["alice", "s3cret"], logins.ForApptainer("127.0.0.1:5000").Select(p => p.Value));
        Assert.Empty(logins.ForApptainer("quay.io"));
    }

    [Fact]
    public void DockerHubIsFoundUnderTheNameItIsWrittenWith()
    {
        var logins = Logins(new() { ["registry:docker.io:username"] = "alice", ["registry:docker.io:password_env"] = "HUB" }, new() { ["HUB"] = "pw" });

        Assert.Equal("alice", logins.For("registry-1.docker.io")!.User);
    }

    [Fact]
    public void APasswordInTheSettingsIsRefused()
    {
        var logins = Logins(new() { ["registry:quay.io:username"] = "alice", ["registry:quay.io:password"] = "plain" }, new());

        var error = Assert.Throws<ImagePreparationException>(() => logins.For("quay.io"));
        Assert.Contains("[registry:quay.io] has a password key: dagon.ini never holds a password", error.Message);
        Assert.DoesNotContain("plain", error.Message);
    }

    [Fact]
    public void AnUnsetPasswordVariableIsNamed()
    {
        var logins = Logins(new() { ["registry:quay.io:username"] = "alice", ["registry:quay.io:password_env"] = "QUAY_PW" }, new());

        Assert.Equal("[registry:quay.io] password_env names QUAY_PW, which is not set in the environment",
            Assert.Throws<ImagePreparationException>(() => logins.For("quay.io")).Message);
    }

    [Fact]
    public void NoLoginAnywhereIsNull() => Assert.Null(Logins(new(), new()).For("quay.io"));

    [Fact]
    public void ABearerChallengeNamesTheTokenUrlWithServiceAndScope()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Bearer",
            "realm=\"https://auth.example.org/token\",service=\"registry.example.org\",scope=\"repository:library/alpine:pull\""));

        var challenge = RegistryChallenge.From(response.Headers)!;

        Assert.True(challenge.IsBearer);
        Assert.Equal("https://auth.example.org/token?service=registry.example.org&scope=repository%3Alibrary%2Falpine%3Apull",
            challenge.TokenUrl("ignored/when-named")!.ToString());
    }

    [Fact]
    public void ABearerChallengeWithoutScopeAsksPullRightsOnTheRepository()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Bearer", "realm=\"http://127.0.0.1:9/token\""));

        Assert.Equal("http://127.0.0.1:9/token?scope=repository%3Adagon%2Fbusybox%3Apull",
            RegistryChallenge.From(response.Headers)!.TokenUrl("dagon/busybox")!.ToString());
    }

    [Fact]
    public void ARealmThatIsNoHttpUrlIsRefused()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Bearer", "realm=\"file:///etc/passwd\""));

        Assert.Null(RegistryChallenge.From(response.Headers)!.TokenUrl("x/y"));
    }
}
