using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

// Linked into the remote tests too, whose node pulls from a registry on this machine's side of its veth pair.
namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// A real registry (Debian's docker-registry) on 127.0.0.1 (or another address of this machine, such as the test
/// node's side of its veth pair), optionally behind htpasswd Basic auth, and images pushed into it from a local root
/// file system with umoci and skopeo. Missing tools fail the test with how to install them.
/// </summary>
public sealed class LoopbackRegistry : IAsyncDisposable
{
    private const string Provision =
        "Run `bash scripts/setup-test-tools.sh` (docker-registry, skopeo, umoci, apache2-utils for htpasswd); scripts/test.sh does.";
    private readonly Process _process;
    private readonly string _directory;
    private readonly (string User, string Password)? _login;

    private LoopbackRegistry(Process process, string directory, string host, int port, (string User, string Password)? login)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Host = host;
        _login = login;
    }

    public int Port { get; }

    /// <summary>The address it listens on.</summary>
    public string Host { get; }

    public string Address => $"{Host}:{Port}";

    /// <summary>
    /// Starts the registry on <paramref name="host"/> (loopback unless told), asking for <paramref name="login"/> with
    /// Basic auth when given (its bcrypt entry made by htpasswd, the password read from stdin, never from argv).
    /// </summary>
    public static async Task<LoopbackRegistry> StartAsync(string directory, string host = "127.0.0.1", (string User, string Password)? login = null)
    {
        foreach (var tool in login is null ? ["docker-registry", "skopeo", "umoci"] : new[] { "docker-registry", "skopeo", "umoci", "htpasswd" })
        {
            if (!File.Exists($"/usr/bin/{tool}")) throw new InvalidOperationException($"/usr/bin/{tool} is missing. {Provision}");
        }

        int port;
        using (var listener = new TcpListener(IPAddress.Parse(host), 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var auth = login is { } credentials ? $"auth:\n  htpasswd:\n    realm: dagon-tests\n    path: {await HtpasswdAsync(directory, credentials)}\n" : "";
        var config = Path.Combine(directory, "config.yml");
        await File.WriteAllTextAsync(config,
            $"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {directory}/data\n  delete:\n    enabled: true\nhttp:\n  addr: {host}:{port}\n{auth}");
        var process = Process.Start(new ProcessStartInfo("/usr/bin/docker-registry", ["serve", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var registry = new LoopbackRegistry(process, directory, host, port, login);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                // Behind a login, /v2/ answers 401 once the registry is up.
                var status = (await http.GetAsync($"http://{host}:{port}/v2/")).StatusCode;
                if (status == (login is null ? HttpStatusCode.OK : HttpStatusCode.Unauthorized)) return registry;
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                await registry.DisposeAsync();
                throw new InvalidOperationException($"docker-registry did not answer on {host}:{port} within 20 s");
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
        await RunAsync("/usr/bin/umoci", "init", "--layout", layout);
        await RunAsync("/usr/bin/umoci", "new", "--image", $"{layout}:img");
        await RunAsync("/usr/bin/umoci", "insert", "--image", $"{layout}:img", rootfs, "/");
        await RunAsync("/usr/bin/umoci", "insert", "--image", $"{layout}:img", extra, "/");
        // umoci writes 0600 files; Apptainer runs as an unprivileged user that must read them (oci: sources).
        await RunAsync("/bin/chmod", "-R", "a+rX", layout);
        return layout;
    }

    /// <summary>Pushes a layout to <c>name:tag</c> here (moving the tag if it exists) and returns its digest.</summary>
    public async Task<string> PushAsync(string layout, string nameAndTag)
    {
        var digestFile = Path.Combine(_directory, $"digest-{Guid.NewGuid():N}");
        string[] credentials = _login is { } login ? ["--dest-creds", $"{login.User}:{login.Password}"] : [];
        await RunAsync("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false", .. credentials, "--digestfile", digestFile,
            $"oci:{layout}:img", $"docker://{Address}/{nameAndTag}"]);
        return (await File.ReadAllTextAsync(digestFile)).Trim();
    }

    /// <summary>Runs a tool of the test machine; a failure names the tool, its arguments and what it printed on stderr.</summary>
    private static async Task RunAsync(string executable, params string[] arguments)
    {
        var start = new ProcessStartInfo(executable, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{executable} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}");
        }
    }

    /// <summary>An htpasswd file with the login's bcrypt entry (the only hash docker-registry accepts).</summary>
    private static async Task<string> HtpasswdAsync(string directory, (string User, string Password) login)
    {
        var file = Path.Combine(directory, "htpasswd");
        var start = new ProcessStartInfo("/usr/bin/htpasswd", ["-B", "-i", "-c", file, login.User]) { RedirectStandardInput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(login.Password);
        process.StandardInput.Close();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"htpasswd exited with {process.ExitCode}: {error}");
        return file;
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
