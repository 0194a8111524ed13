using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// A real registry (Debian's docker-registry) on 127.0.0.1, and images pushed into it from a local root file system
/// with umoci and skopeo. Missing tools fail the test with how to install them.
/// </summary>
public sealed class LoopbackRegistry : IAsyncDisposable
{
    private const string Provision = "Run `bash scripts/setup-test-tools.sh` (docker-registry, skopeo, umoci); scripts/test.sh does.";
    private readonly Process _process;
    private readonly string _directory;

    private LoopbackRegistry(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public static async Task<LoopbackRegistry> StartAsync(string directory)
    {
        foreach (var tool in new[] { "docker-registry", "skopeo", "umoci" })
        {
            if (!File.Exists($"/usr/bin/{tool}")) throw new InvalidOperationException($"/usr/bin/{tool} is missing. {Provision}");
        }

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var config = Path.Combine(directory, "config.yml");
        await File.WriteAllTextAsync(config,
            $"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {directory}/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n");
        var process = Process.Start(new ProcessStartInfo("/usr/bin/docker-registry", ["serve", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var registry = new LoopbackRegistry(process, directory, port);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/v2/")).StatusCode == HttpStatusCode.OK) return registry;
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                await registry.DisposeAsync();
                throw new InvalidOperationException($"docker-registry did not answer on 127.0.0.1:{port} within 20 s");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>An OCI layout (folder) holding <paramref name="rootfs"/> plus a file /etc/dagon-version saying <paramref name="version"/>.</summary>
    public async Task<string> LayoutAsync(string rootfs, string version)
    {
        var layout = Path.Combine(_directory, $"oci-{version}");
        var extra = Path.Combine(_directory, $"extra-{version}");
        Directory.CreateDirectory(Path.Combine(extra, "etc"));
        await File.WriteAllTextAsync(Path.Combine(extra, "etc", "dagon-version"), version + "\n");
        await ApptainerFixture.Run("/usr/bin/umoci", "init", "--layout", layout);
        await ApptainerFixture.Run("/usr/bin/umoci", "new", "--image", $"{layout}:img");
        await ApptainerFixture.Run("/usr/bin/umoci", "insert", "--image", $"{layout}:img", rootfs, "/");
        await ApptainerFixture.Run("/usr/bin/umoci", "insert", "--image", $"{layout}:img", extra, "/");
        // umoci writes 0600 files; Apptainer runs as an unprivileged user that must read them (oci: sources).
        await ApptainerFixture.Run("/bin/chmod", "-R", "a+rX", layout);
        return layout;
    }

    /// <summary>Pushes a layout to <c>name:tag</c> here (moving the tag if it exists) and returns its digest.</summary>
    public async Task<string> PushAsync(string layout, string nameAndTag)
    {
        var digestFile = Path.Combine(_directory, $"digest-{Guid.NewGuid():N}");
        await ApptainerFixture.Run("/usr/bin/skopeo", "copy", "--dest-tls-verify=false", "--digestfile", digestFile,
            $"oci:{layout}:img", $"docker://{Address}/{nameAndTag}");
        return (await File.ReadAllTextAsync(digestFile)).Trim();
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
