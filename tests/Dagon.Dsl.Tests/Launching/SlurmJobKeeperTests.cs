using System.Diagnostics;
using Dagon.Launching.Slurm;

namespace Dagon.Dsl.Tests.Launching;

/// <summary>
/// The job keeper's argv and its trap, run by the real /bin/sh against recording stand-ins for squeue and scancel
/// (real Slurm is exercised by tests/Dagon.Dsl.SlurmRunTests).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SlurmJobKeeperTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dagon-keeper-").FullName;

    [Fact]
    public void TheRunsPrefixAndSlurmsCommandNamesAreArgumentsNotShellText()
    {
        var options = new SlurmOptions { Squeue = "/opt/slurm bin/squeue", Scancel = "/opt/slurm bin/scancel" };
        var argv = SlurmJobKeeper.Arguments(options, "dagon-$(touch x)-");

        Assert.Equal("/bin/sh", argv[0]);
        Assert.Equal("-c", argv[1]);
        Assert.Equal(["dagon-slurm-keeper", "/opt/slurm bin/squeue", "/opt/slurm bin/scancel", "dagon-$(touch x)-"], argv.Skip(3));
        Assert.DoesNotContain("touch", argv[2], StringComparison.Ordinal);
        Assert.DoesNotContain("/opt/slurm", argv[2], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("HUP")]
    public async Task StoppedKeeperCancelsOnlyTheRunsJobsOnceEachArraysOnce(string signal)
    {
        // What squeue -u USER would list: two jobs of the run (one an array, listed per element), one of another run,
        // and one whose name merely contains the prefix.
        var scancel = await StopKeeperAsync(signal, "101 dagon-r1-A\n102 dagon-r1-array1\n102 dagon-r1-array1\n103 dagon-r2-A\n104 x-dagon-r1-B\n");

        Assert.Equal(["101", "102"], scancel ?? []);
        var squeue = File.ReadAllText(Path.Combine(_folder, "squeue.args")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["-u", Environment.UserName, "-h", "-t", "PD,CF,R,S,RQ,RH,RS", "-o", "%F %j"], squeue);
    }

    [Fact]
    public async Task StoppedKeeperWithNoJobOfTheRunLeftCallsNoScancel()
    {
        var scancel = await StopKeeperAsync("TERM", "103 dagon-r2-A\n");

        Assert.Null(scancel);
    }

    /// <summary>Runs the keeper for run prefix <c>dagon-r1-</c>, stops it with <paramref name="signal"/>; scancel's arguments, if it ran.</summary>
    private async Task<string[]?> StopKeeperAsync(string signal, string queue)
    {
        File.WriteAllText(Path.Combine(_folder, "queue"), queue);
        var squeue = Recorder("squeue", $"cat '{_folder}/queue'");
        var scancel = Recorder("scancel", "true");
        var argv = SlurmJobKeeper.Arguments(new SlurmOptions { Squeue = squeue, Scancel = scancel }, "dagon-r1-");
        var start = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true };
        foreach (var argument in argv.Skip(1)) start.ArgumentList.Add(argument);
        using var keeper = Process.Start(start)!;
        Assert.Equal(SlurmJobKeeper.ReadyLine, await keeper.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(File.Exists(Path.Combine(_folder, "squeue.args")), "the keeper asks squeue nothing while it runs");

        using (var kill = Process.Start("kill", ["-" + signal, keeper.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        await keeper.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, keeper.ExitCode);
        var recorded = Path.Combine(_folder, "scancel.args");
        return File.Exists(recorded) ? File.ReadAllText(recorded).Split('\n', StringSplitOptions.RemoveEmptyEntries) : null;
    }

    /// <summary>A stand-in that writes its arguments, one a line, to NAME.args and then runs <paramref name="then"/>.</summary>
    private string Recorder(string name, string then)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, $"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{path}.args'\n{then}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
