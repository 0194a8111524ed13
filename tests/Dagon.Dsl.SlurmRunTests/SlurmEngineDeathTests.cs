using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Dagon.Dsl.IntegrationTests;
using Xunit.Abstractions;

namespace Dagon.Dsl.SlurmRunTests;

/// <summary>
/// A real engine (tests/Dagon.Dsl.SignalTarget, mode <c>slurm</c>) SIGKILLed while its Slurm job runs on this
/// machine's Slurm: the run's job keeper cancels the job, so nothing of the run stays queued or running. A run that
/// ends normally stops its keeper without cancelling anything.
/// </summary>
[Collection(SlurmCollection.Name)]
public sealed partial class SlurmEngineDeathTests(SlurmFixture slurm, ITestOutputHelper output) : SlurmTestBase(slurm, output)
{
    /// <summary>How long Slurm itself may take to drop a cancelled job (slurmd kills the job's processes, then reports).</summary>
    internal static readonly TimeSpan Allowed = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_job_of_a_SIGKILLed_engine_is_cancelled_within_seconds()
    {
        var marker = UniqueMarker();
        using var engine = EngineProcess.Start(new Dictionary<string, string> { ["DAGON_TEST_MODE"] = "slurm", ["DAGON_TEST_MARKER"] = marker },
            "--tmp-dir", Slurm.Apptainer.NewFolder("tmp"), "--image-cache", Slurm.Apptainer.NewFolder("cache"), "--progress", "plain",
            "--dagon:scheduler=slurm", "--slurm:poll_interval_seconds=0.5");
        var runId = await RunIdOnceSubmittedAsync(engine);
        await WaitUntilAsync(() => Task.FromResult(LocalProcesses(marker) > 0), TimeSpan.FromSeconds(60), "the job's sleep to run");
        Assert.Equal(1, await SlurmFixture.QueuedAsync($"dagon-{runId}-"));

        engine.Process.Kill(); // SIGKILL: the engine itself cleans nothing up
        await engine.Process.WaitForExitAsync();
        var stopwatch = Stopwatch.StartNew();
        await WaitUntilAsync(async () => await SlurmFixture.QueuedAsync($"dagon-{runId}-") == 0 && LocalProcesses(marker) == 0, Allowed,
            "squeue to list no job of the killed engine's run and its sleep to be gone");
        Output.WriteLine($"the queue was clear {stopwatch.Elapsed.TotalSeconds:F2} s after the SIGKILL");
        Assert.Equal(0, LocalProcesses(KeeperMark(runId)));
    }

    [Fact]
    public async Task A_normal_end_stops_the_keeper_that_ran_beside_the_job_and_cancels_nothing()
    {
        var host = Host();
        // The job itself looks for the keeper (the brackets keep pgrep from finding this very command).
        var result = await RunAsync(Busybox("KeeperEnds").BatchTask("Look", "pgrep -af 'dagon-slurm-keepe[r]' || true"), host);

        Assert.True(result.Succeeded);
        var prefix = KeeperMark(result.Plan.RunId);
        Assert.Contains(Stdout(result["Look"]).Split('\n'), l => l.EndsWith(prefix, StringComparison.Ordinal));
        Assert.Equal(0, LocalProcesses(prefix));
        Assert.Equal(0, Calls(host).Scancel);
        var states = await ApptainerFixture.Run("squeue", "-h", "-t", "all", "-o", "%j %T");
        Assert.Contains($"{prefix}Look COMPLETED", states.Split('\n').Select(l => l.Trim()));
    }

    /// <summary>A marker for the job's <c>sleep</c> that no other test or run uses.</summary>
    internal static string UniqueMarker() => Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);

    /// <summary>The keeper's command line names the run's job prefix.</summary>
    internal static string KeeperMark(string runId) => $"dagon-{runId}-";

    /// <summary>The run id from the engine's first lines, once it says it submitted a Slurm job.</summary>
    internal static async Task<string> RunIdOnceSubmittedAsync(EngineProcess engine)
    {
        await engine.WaitForAsync(o => o.Contains("Submitted Slurm job", StringComparison.Ordinal), "a submitted Slurm job");
        var match = RunIdPattern().Match(engine.Output);
        Assert.True(match.Success, "the engine names its run:\n" + engine.Output);
        return match.Groups[1].Value;
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (stopwatch.Elapsed > limit) throw new TimeoutException($"not within {limit.TotalSeconds} s: {what}");
            await Task.Delay(200);
        }
    }

    /// <summary>Processes of this machine whose command line contains <paramref name="fragment"/>.</summary>
    internal static int LocalProcesses(string fragment)
    {
        var count = 0;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ').Contains(fragment, StringComparison.Ordinal)) count++;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return count;
    }

    [GeneratedRegex(@"run (\S+),")]
    private static partial Regex RunIdPattern();
}
