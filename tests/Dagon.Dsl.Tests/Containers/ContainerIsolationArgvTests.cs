using System.Diagnostics;
using Dagon.Containers;
using Dagon.Model;

namespace Dagon.Dsl.Tests.Containers;

/// <summary>The argv of isolated, GPU and runscript tasks, and the place-side script run by a real /bin/sh.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class ContainerIsolationArgvTests
{
    private static TaskDefinition Task(Action<TaskBuilder>? configure = null) =>
        Workflow.Create("w").DefaultImage("docker://x").Task("T", t =>
        {
            t.Command("echo hi");
            configure?.Invoke(t);
        }).Build()["T"];

    private static IReadOnlyList<string> Exec(TaskDefinition task, ContainerSettings? settings = null) =>
        ApptainerCommandLine.Exec("apptainer", "i.sif", task.Command, task, OverlayMode.None, null, "/w", [], silent: true, settings);

    private static IReadOnlyList<string> ApptainerPart(IReadOnlyList<string> argv) => argv.Skip(argv.ToList().IndexOf("apptainer")).ToList();

    [Fact]
    public void DefaultIsCleanEnvironmentAndNoHomeBehindThePlaceScript()
    {
        var argv = Exec(Task(t => t.Env("X", "1")));

        Assert.Equal(["/bin/sh", "-c", ApptainerCommandLine.PlaceEnvironmentScript, "dagon-env"], argv.Take(4));
        var patterns = int.Parse(argv[4]);
        Assert.Equal(ContainerSettings.Default.EnvAllow, argv.Skip(5).Take(patterns));
        Assert.Contains("SLURM_*", argv.Skip(5).Take(patterns));
        Assert.Equal(["1", "X=1"], argv.Skip(5 + patterns).Take(2));
        Assert.Equal(["apptainer", "--silent", "exec", "--cleanenv", "--no-home", "--bind"], ApptainerPart(argv).Take(6));
        Assert.DoesNotContain("--containall", argv);
        Assert.Equal("", argv[^1]); // the shell; the pairs are appended on the place
    }

    [Fact]
    public void ContainedAddsContainAllAndInheritDropsTheIsolation()
    {
        var contained = Exec(Task(t => t.Isolation(ContainerIsolation.Contained)),
            ContainerSettings.Default with { Isolation = ContainerIsolation.Contained });
        Assert.Equal(["exec", "--cleanenv", "--no-home", "--containall"], ApptainerPart(contained).Skip(2).Take(4));

        var inherit = Exec(Task(t => t.Env("X", "1")), ContainerSettings.Default with { Isolation = ContainerIsolation.Inherit });
        Assert.Equal("apptainer", inherit[0]);
        Assert.DoesNotContain("--cleanenv", inherit);
        Assert.DoesNotContain("--no-home", inherit);
        Assert.Equal("X=1", inherit[^1]);
    }

    [Fact]
    public void TaskBeatsHostBeatsRun()
    {
        var run = new ApptainerOptions { Isolation = ContainerIsolation.Contained };
        Assert.Equal(ContainerIsolation.Contained, ContainerSettings.Resolve(Task(), ContainerIsolation.Unset, run).Isolation);
        Assert.Equal(ContainerIsolation.Inherit, ContainerSettings.Resolve(Task(), ContainerIsolation.Inherit, run).Isolation);
        Assert.Equal(ContainerIsolation.Clean,
            ContainerSettings.Resolve(Task(t => t.Isolation(ContainerIsolation.Clean)), ContainerIsolation.Inherit, run).Isolation);
        Assert.Equal(ContainerIsolation.Clean, ContainerSettings.Resolve(Task(), ContainerIsolation.Unset, new ApptainerOptions()).Isolation);
    }

    [Theory]
    [InlineData(GpuVendor.Nvidia, "--nv", "CUDA_VISIBLE_DEVICES")]
    [InlineData(GpuVendor.Amd, "--rocm", "ROCR_VISIBLE_DEVICES")]
    public void GpuVendorAddsItsFlagAndItsDeviceVariableEvenWithAnAllowListWithoutIt(GpuVendor vendor, string flag, string variable)
    {
        var task = Task(t => t.Gpu(vendor));
        var settings = ContainerSettings.Resolve(task, ContainerIsolation.Unset, new ApptainerOptions { EnvAllow = "TZ" });
        var argv = Exec(task, settings);

        Assert.Equal(["2", "TZ", variable], argv.Skip(4).Take(3));
        Assert.Equal(flag, ApptainerPart(argv)[5]);
    }

    [Fact]
    public void RunOptionsThenTaskOptionsComeBeforeTheEngineMounts()
    {
        var task = Task(t => t.ContainerOptions("--bind", "/scratch:/scratch", "--hostname=node"));
        var settings = ContainerSettings.Resolve(task, ContainerIsolation.Unset, new ApptainerOptions { RunOptions = "--nv --env-file '/etc/my site.env'" });
        var apptainer = ApptainerPart(Exec(task, settings));

        Assert.Equal(["--nv", "--env-file", "/etc/my site.env", "--bind", "/scratch:/scratch", "--hostname=node", "--bind", "/w:/work"],
            apptainer.Skip(5).Take(8));
    }

    [Theory]
    [InlineData("--pwd /x", "--pwd")]
    [InlineData("--bind /a:/work", "/work")]
    [InlineData("-B /a:/dagon/inputs/A", "/dagon")]
    [InlineData("--writable-tmpfs", "--writable-tmpfs")]
    [InlineData("stray", "not an option")]
    public void RunOptionsThatWouldBreakTheEngineAreRefusedWithTheReason(string runOptions, string expected)
    {
        var error = Assert.Throws<FormatException>(() =>
            ContainerSettings.Resolve(Task(), ContainerIsolation.Unset, new ApptainerOptions { RunOptions = runOptions }));
        Assert.StartsWith("[apptainer] run_options:", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void CleanEnvironmentContradictsInheritButNotClean()
    {
        var run = new ApptainerOptions { RunOptions = "--cleanenv" };
        Assert.Contains("Inherit", Assert.Throws<FormatException>(() => ContainerSettings.Resolve(Task(), ContainerIsolation.Inherit, run)).Message);
        Assert.Equal(ContainerIsolation.Clean, ContainerSettings.Resolve(Task(), ContainerIsolation.Unset, run).Isolation);
    }

    [Fact]
    public void RunscriptPassesTheCommandsWordsLiterallyAfterTheirCount()
    {
        var argv = Exec(Task(t => t.Runscript().Command("--in /dagon/inputs/A/x.txt 'two words' $HOME")));
        Assert.Equal(["i.sif", "/bin/sh", "-c", ApptainerCommandLine.RunscriptTrampolineScript, "dagon-run", "4",
            "--in", "/dagon/inputs/A/x.txt", "two words", "$HOME"], argv.TakeLast(10));
    }

    [Fact]
    public void ArgumentWordsKeepQuotedSpacesAndNothingElseIsSpecial()
    {
        Assert.Equal(["a", "b c", "d\"e", "$X", "f\\g"], ArgumentWords.Split("  a 'b c' 'd\"e' $X f\\g "));
        Assert.Empty(ArgumentWords.Split(null));
        Assert.Throws<FormatException>(() => ArgumentWords.Split("'open"));
    }

    [Fact]
    public void EnvAllowRefusesPatternsThatAreNotNamesOrPrefixes()
    {
        Assert.Equal(["A", "B_*", "C"], ContainerSettings.ParseEnvAllow("A, B_*\nC"));
        Assert.Throws<FormatException>(() => ContainerSettings.ParseEnvAllow("A $(id)"));
        Assert.Throws<FormatException>(() => ContainerSettings.ParseEnvAllow("*"));
    }

    /// <summary>
    /// The place script under a real /bin/sh, with a recorder standing in for Apptainer: allowed variables arrive as
    /// one literal NAME=VALUE each (newlines, quotes, $ and globs untouched), others do not, and the task's own pairs
    /// come last so they win.
    /// </summary>
    [Fact]
    public async Task PlaceScriptAppendsAllowedVariablesLiterallyThenTheTasksOwn()
    {
        var recorder = Path.Combine(Directory.CreateTempSubdirectory("dagon-rec-").FullName, "record");
        await File.WriteAllTextAsync(recorder, "#!/bin/sh\nfor a do printf '%s\\0' \"$a\"; done\n");
        File.SetUnixFileMode(recorder, (UnixFileMode)0b111_101_101);
        var task = Task(t => t.Env("SLURM_JOB_ID", "task-wins"));
        var settings = ContainerSettings.Resolve(task, ContainerIsolation.Unset, new ApptainerOptions { EnvAllow = "SLURM_* TZ UNSET_ONE" });
        var argv = ApptainerCommandLine.Exec(recorder, "i.sif", task.Command, task, OverlayMode.None, null, "/w", [], silent: false, settings);

        var start = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true };
        foreach (var a in argv.Skip(1)) start.ArgumentList.Add(a);
        start.Environment["SLURM_JOB_ID"] = "42";
        start.Environment["SLURM_TRICKY"] = "a b\n$(id) \"q\" * ${HOME}";
        start.Environment["TZ"] = "UTC";
        start.Environment["DAGON_TEST_SECRET"] = "never";
        using var process = Process.Start(start)!;
        var recorded = (await process.StandardOutput.ReadToEndAsync()).Split('\0')[..^1];
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
        var pairs = recorded.SkipWhile(a => a != "dagon-task").Skip(3).ToList();
        Assert.Contains("SLURM_JOB_ID=42", pairs);
        Assert.Contains("SLURM_TRICKY=a b\n$(id) \"q\" * ${HOME}", pairs);
        Assert.Contains("TZ=UTC", pairs);
        Assert.DoesNotContain(pairs, p => p.StartsWith("DAGON_TEST_SECRET", StringComparison.Ordinal) || p.StartsWith("UNSET_ONE", StringComparison.Ordinal));
        Assert.Equal("SLURM_JOB_ID=task-wins", pairs[^1]);
        Assert.Equal(["exec", "--cleanenv", "--no-home"], recorded.Take(3));
    }
}
