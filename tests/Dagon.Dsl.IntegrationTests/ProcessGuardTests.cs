using System.Diagnostics;
using Dagon.Processes;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// The guard script in a real shell around real programs, its standard input a pipe only the test holds (as the
/// engine does): whatever ends the program, the guard ends with it and nothing of the program's group stays.
/// </summary>
public sealed class ProcessGuardTests
{
    private static string Marker() => Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The guard around <c>/bin/sh -c <paramref name="command"/></c>, its stdin a pipe only this test holds.</summary>
    private static Process Start(string command)
    {
        var start = new ProcessStartInfo(ProcessGuard.Shell) { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var argument in ProcessGuard.Arguments("/bin/sh", ["-c", command])) start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    /// <summary>Running <c>sleep</c> processes with this argument (not the shells whose command line mentions it).</summary>
    private static List<int> Sleeps(string seconds) =>
        LocalApptainerTests.ProcessesRunning("sleep " + seconds).Where(pid => IsSleep(pid, seconds)).ToList();

    private static bool IsSleep(int pid, string seconds)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline") == $"sleep\0{seconds}\0";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<List<int>> SurvivorsAsync(string seconds)
    {
        for (var i = 0; i < 50 && Sleeps(seconds).Count > 0; i++) await Task.Delay(100);
        return Sleeps(seconds);
    }

    private static async Task WaitUntilRunningAsync(string seconds)
    {
        for (var i = 0; i < 100 && Sleeps(seconds).Count == 0; i++) await Task.Delay(50);
        Assert.NotEmpty(Sleeps(seconds));
    }

    [Fact]
    public async Task The_exit_code_passes_through_and_a_detached_child_dies_with_its_program()
    {
        var marker = Marker();
        using var guard = Start($"(sleep 7{marker} &); echo out; exit 7");

        Assert.True(guard.WaitForExit(TimeSpan.FromSeconds(10)), "the guard did not end with its program");
        Assert.Equal(7, guard.ExitCode);
        Assert.Equal("out\n", await guard.StandardOutput.ReadToEndAsync());
        Assert.Empty(await SurvivorsAsync($"7{marker}"));
    }

    [Fact]
    public async Task What_a_program_leaves_behind_gets_TERM_first_and_KILL_when_it_ignores_TERM()
    {
        var marker = Marker();
        var termed = Path.Combine(Path.GetTempPath(), $"dagon-guard-termed-{marker}");
        // One leftover that cleans up on TERM (a KILL could not be trapped), one that ignores TERM.
        using var guard = Start($"(trap 'echo termed > {termed}; exit 0' TERM; sleep 3{marker} & wait) >/dev/null 2>&1 & " +
                                $"sh -c \"trap '' TERM; exec sleep 4{marker}\" >/dev/null 2>&1 & sleep 0.3; echo out; exit 5");
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        Assert.True(guard.WaitForExit(TimeSpan.FromSeconds(15)), "the guard did not end after its program");
        Assert.Equal(5, guard.ExitCode);
        Assert.Equal("out\n", await guard.StandardOutput.ReadToEndAsync());
        Assert.InRange(stopwatch.Elapsed, GroupStop.Grace - TimeSpan.FromSeconds(0.5), GroupStop.Grace + TimeSpan.FromSeconds(5)); // the KILL came after the grace
        Assert.Equal("termed\n", File.ReadAllText(termed));
        // A KILL is delivered when the killed process is next scheduled, a moment after the guard exits.
        Assert.Empty(await SurvivorsAsync($"3{marker}"));
        Assert.Empty(await SurvivorsAsync($"4{marker}"));
        File.Delete(termed);
    }

    [Fact]
    public async Task Programs_that_end_at_once_are_never_missed()
    {
        // A guard that traps SIGCHLD around its read hangs here now and then: the end can come before the read blocks.
        for (var i = 0; i < 200; i++)
        {
            using var guard = Start(i % 2 == 0 ? "true" : "exit 3");
            Assert.True(guard.WaitForExit(TimeSpan.FromSeconds(10)), $"run {i}: the guard did not notice its program had ended");
            Assert.Equal(i % 2 == 0 ? 0 : 3, guard.ExitCode);
        }

        await Task.CompletedTask;
    }

    [Fact]
    public async Task The_end_of_the_engines_pipe_kills_the_whole_group()
    {
        var marker = Marker();
        using var guard = Start($"(sleep 8{marker} &); sleep 9{marker}");
        await WaitUntilRunningAsync($"9{marker}");

        guard.StandardInput.Close(); // what the kernel does when the engine dies, SIGKILL included

        Assert.True(guard.WaitForExit(TimeSpan.FromSeconds(10)), "the guard did not end when its pipe closed");
        Assert.Empty(await SurvivorsAsync($"8{marker}"));
        Assert.Empty(await SurvivorsAsync($"9{marker}"));
    }

    [Fact]
    public async Task Sigterm_to_the_guard_stops_the_group_and_exits_143()
    {
        var marker = Marker();
        using var guard = Start($"(sleep 5{marker} &); sleep 6{marker}");
        await WaitUntilRunningAsync($"6{marker}");

        await ApptainerFixture.Run("kill", "-TERM", guard.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(guard.WaitForExit(TimeSpan.FromSeconds(10)), "the guard did not stop");
        Assert.Equal(143, guard.ExitCode);
        Assert.Empty(await SurvivorsAsync($"5{marker}"));
        Assert.Empty(await SurvivorsAsync($"6{marker}"));
    }
}
