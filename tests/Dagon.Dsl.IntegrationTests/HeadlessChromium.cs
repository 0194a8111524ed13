using System.Diagnostics;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// Real headless Chromium, run inside a network namespace of its own (<c>unshare -n</c>) so that a page that needs
/// the network (a CDN, a web font) renders differently and fails the test. Provisioned by scripts/setup-test-tools.sh.
/// </summary>
internal static class HeadlessChromium
{
    private const string Executable = "/usr/bin/chromium";

    /// <summary>The DOM after the page's scripts ran.</summary>
    public static Task<string> DumpDomAsync(string htmlPath) => RunAsync(htmlPath, "--dump-dom");

    public static Task<string> ScreenshotAsync(string htmlPath, string pngPath) =>
        RunAsync(htmlPath, $"--screenshot={pngPath}", "--window-size=1280,900");

    private static async Task<string> RunAsync(string htmlPath, params string[] extra)
    {
        Assert.True(File.Exists(Executable),
            $"{Executable} is missing: the report tests render it in real Chromium. Run scripts/setup-test-tools.sh (apt-get install chromium).");
        var profile = Directory.CreateTempSubdirectory("dagon-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in (string[])
                     [
                         "-n", Executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}",
                         "--virtual-time-budget=5000", .. extra, new Uri(htmlPath).AbsoluteUri,
                     ])
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {await stderr}");
            return await stdout;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
