using System.Diagnostics;
using Dagon.Containers;
using Dagon.Images;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// The real Apptainer on this machine plus a tiny busybox image built from a local folder (no registry needed).
/// Missing parts fail every test with how to provision them; nothing is skipped.
/// </summary>
public sealed class ApptainerFixture : IAsyncLifetime
{
    private const string Provision = "Run `bash scripts/setup-apptainer.sh` (as root) to install Apptainer and busybox-static; .ci/run does this.";

    public string Apptainer { get; private set; } = "";

    /// <summary>Scratch space visible to Apptainer (it must be under a folder the apptainer command can see).</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("dagon-it-").FullName;

    /// <summary>A busybox root file system, usable in place as a sandbox image.</summary>
    public string BusyboxSandbox => Path.Combine(Root, "busybox-rootfs");

    /// <summary>The same root file system as a SIF file.</summary>
    public string BusyboxSif => Path.Combine(Root, "images", "busybox.sif");

    public async Task InitializeAsync()
    {
        Apptainer = Dagon.Processes.ExecutableSearch.Find("apptainer") ?? throw new InvalidOperationException(
            $"Real Apptainer is required for the integration tests. {ApptainerNotFoundException.OnThisMachine("apptainer").Message} {Provision}");

        var version = await Run(Apptainer, "--version");
        if (!version.Contains("apptainer version", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{Apptainer} --version' printed '{version}', not an Apptainer version. {Provision}");
        }

        if (!File.Exists("/bin/busybox"))
        {
            throw new InvalidOperationException($"/bin/busybox is missing (package busybox-static). {Provision}");
        }

        File.SetUnixFileMode(Root, (UnixFileMode)0b111_111_111);
        foreach (var folder in new[] { "bin", "etc", "tmp", "work", "dev", "proc", "sys", "opt", "root", "home" })
        {
            Directory.CreateDirectory(Path.Combine(BusyboxSandbox, folder));
        }

        File.Copy("/bin/busybox", Path.Combine(BusyboxSandbox, "bin", "busybox"));
        foreach (var applet in (await Run("/bin/busybox", "--list")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (applet != "busybox") File.CreateSymbolicLink(Path.Combine(BusyboxSandbox, "bin", applet), "busybox");
        }

        File.WriteAllText(Path.Combine(BusyboxSandbox, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        File.WriteAllText(Path.Combine(BusyboxSandbox, "etc", "group"), "root:x:0:\n");

        var images = Path.GetDirectoryName(BusyboxSif)!;
        Directory.CreateDirectory(images);
        File.SetUnixFileMode(images, (UnixFileMode)0b111_111_111);
        await Run(Apptainer, "build", BusyboxSif, BusyboxSandbox);
        if (!File.Exists(BusyboxSif)) throw new InvalidOperationException($"apptainer build did not produce {BusyboxSif}. {Provision}");
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    /// <summary>A fresh folder under <see cref="Root"/> that the container user may write to.</summary>
    public string NewFolder(string name)
    {
        var path = Path.Combine(Root, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        return path;
    }

    public static async Task<string> Run(string executable, params string[] arguments)
    {
        var (exitCode, stdout, stderr) = await Execute(executable, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{executable} {string.Join(' ', arguments)} exited with {exitCode}: {stderr}");
        }

        return stdout;
    }

    /// <summary>Runs a program that may fail: its exit code, and stdout followed by stderr.</summary>
    public static async Task<(int ExitCode, string Output)> TryRun(string executable, params string[] arguments)
    {
        var (exitCode, stdout, stderr) = await Execute(executable, arguments);
        return (exitCode, stdout + stderr);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Execute(string executable, string[] arguments)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}

[CollectionDefinition(Name)]
public sealed class ApptainerCollection : ICollectionFixture<ApptainerFixture>
{
    public const string Name = "Real Apptainer";
}
