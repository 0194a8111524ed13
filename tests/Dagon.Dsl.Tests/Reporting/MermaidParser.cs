using System.Diagnostics;

namespace Dagon.Dsl.Tests.Reporting;

/// <summary>
/// Mermaid itself (the npm package, with jsdom for the DOM it sanitizes labels with), installed once per machine
/// under /var/cache/dagon/mermaid from the pinned package.json beside this file, and run with node as a child process.
/// </summary>
internal static class MermaidParser
{
    private const string Folder = "/var/cache/dagon/mermaid";
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    /// <summary>Mermaid's verdict: the exit code (0: valid) and what it printed (the diagram type, or the parse error).</summary>
    public static async Task<(int ExitCode, string Output)> ParseAsync(string diagram)
    {
        await EnsureInstalledAsync();
        var (exitCode, output) = await RunAsync("node", [Path.Combine(Folder, "parse.mjs")], diagram);
        return (exitCode, output);
    }

    private static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            var source = Path.Combine(AppContext.BaseDirectory, "MermaidParser");
            Directory.CreateDirectory(Folder);
            var manifest = await File.ReadAllTextAsync(Path.Combine(source, "package.json"));
            var installed = Path.Combine(Folder, "package.json");
            File.Copy(Path.Combine(source, "parse.mjs"), Path.Combine(Folder, "parse.mjs"), overwrite: true);
            if (File.Exists(installed) && await File.ReadAllTextAsync(installed) == manifest && Directory.Exists(Path.Combine(Folder, "node_modules", "mermaid"))) return;

            await File.WriteAllTextAsync(installed, manifest);
            var (exitCode, output) = await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--prefix", Folder], null);
            Assert.True(exitCode == 0, "npm install of mermaid failed:\n" + output);
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<(int, string)> RunAsync(string program, string[] arguments, string? input)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Folder };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        if (input is not null) await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await stdout + await stderr);
    }
}
