using Dagon.Model;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

/// <summary>
/// Isolation on the real node, where the argv built by ApptainerCommandLine runs inside the SSH session: variables of
/// the node's own session (SSH_CONNECTION, SSH_CLIENT, which this machine does not have) stay out by default, an
/// allow-listed one is read there and comes in, and a host profile set to Inherit lets everything and the home in.
/// </summary>
[Collection(RemoteNodeCollection.Name)]
public sealed class RemoteIsolationTests(RemoteNode node, ITestOutputHelper output)
{
    private const string Probe =
        "echo connection=${SSH_CONNECTION:+set}; echo client=${SSH_CLIENT:+set}; " +
        "if [ -d \"$HOME\" ]; then echo home=mounted; else echo home=absent; fi";

    [Fact]
    public async Task NodeSessionVariablesStayOutUnlessAllowedAndAnInheritHostLetsThemIn()
    {
        var config = node.Config();
        foreach (var (key, value) in node.Config("inherit")) config[key] = value;
        config["host:inherit:isolation"] = "Inherit";
        config["apptainer:env_allow"] = "SSH_CLIENT";
        await using var harness = new Harness(config, output);

        var result = await harness.RunAsync(Workflow.Create("remote-isolation").DefaultImage(node.NodeDefinition)
            .Task("Clean", t => t.Command(Probe).WritableTmpfs().OnHost("node"))
            .Task("Inherit", t => t.Command(Probe).WritableTmpfs().OnHost("inherit")));

        Assert.True(result.Succeeded, RemoteWorkflowTests.Describe(result, harness));
        Assert.Equal(["connection=", "client=set", "home=absent"], harness.StdoutOf("Clean"));
        Assert.Equal(["connection=set", "client=set", "home=mounted"], harness.StdoutOf("Inherit"));
    }
}
