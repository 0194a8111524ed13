using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// What a container sees of this machine, on the real Apptainer: the engine's environment carries a secret
/// (DAGON_TEST_SECRET) and an allow-listed variable, set for the engine's process and removed afterwards (the
/// tests of this collection run one at a time).
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class ContainerIsolationTests(ApptainerFixture apptainer, ITestOutputHelper output) : IDisposable
{
    private const string Probe =
        "echo secret=${DAGON_TEST_SECRET:-absent}; echo allowed=${DAGON_TEST_ALLOWED:-absent}; echo mine=$MINE; " +
        "if [ -d \"$HOME\" ]; then echo home=mounted; else echo home=absent; fi";

    private readonly string _cache = apptainer.NewFolder("cache");
    private readonly string _tmp = apptainer.NewFolder("tmp");
    private readonly List<TestHost> _hosts = [];

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
        Environment.SetEnvironmentVariable("DAGON_TEST_SECRET", null);
        Environment.SetEnvironmentVariable("DAGON_TEST_ALLOWED", null);
    }

    private async Task<(RunResult Result, TestHost Host)> RunAsync(WorkflowBuilder workflow, Dictionary<string, string?>? settings = null)
    {
        Environment.SetEnvironmentVariable("DAGON_TEST_SECRET", "hunter2");
        Environment.SetEnvironmentVariable("DAGON_TEST_ALLOWED", "a b,$HOME");
        var host = new TestHost(output, _cache, _tmp, settings);
        _hosts.Add(host);
        var result = await host.Runner.RunAsync(workflow.Build());
        output.WriteLine(RunSummary.Format(result));
        Assert.True(result.Succeeded, RunSummary.Format(result));
        return (result, host);
    }

    private WorkflowBuilder Busybox() => Workflow.Create("isolation").DefaultImage(apptainer.BusyboxSif).Remove(false);

    private static string[] Lines(TaskResult task) => File.ReadAllLines(task.Workspace!.StdoutPath);

    [Fact]
    public async Task ByDefaultTheEnginesSecretAndHomeStayOutsideWhileAllowedAndOwnVariablesComeIn()
    {
        var (result, _) = await RunAsync(Busybox().Task("T", t => t.Command(Probe).Env("MINE", "x,$y").WritableTmpfs()),
            new() { ["apptainer:env_allow"] = "DAGON_TEST_ALLOWED TZ" });

        Assert.Equal(["secret=absent", "allowed=a b,$HOME", "mine=x,$y", "home=absent"], Lines(result["T"]));
    }

    [Fact]
    public async Task InheritLetsTheWholeEnvironmentAndTheHomeFolderIn()
    {
        var (result, _) = await RunAsync(Busybox()
            .Task("T", t => t.Command(Probe).Env("MINE", "m").Isolation(ContainerIsolation.Inherit).WritableTmpfs()));

        Assert.Equal(["secret=hunter2", "allowed=a b,$HOME", "mine=m", "home=mounted"], Lines(result["T"]));
    }

    [Fact]
    public async Task InheritForTheWholeRunComesFromTheApptainerSectionAndATaskCanStillChooseClean()
    {
        var (result, _) = await RunAsync(Busybox()
                .Task("Inherits", t => t.Command(Probe).WritableTmpfs())
                .Task("Clean", t => t.Command(Probe).Isolation(ContainerIsolation.Clean).WritableTmpfs()),
            new() { ["apptainer:isolation"] = "Inherit" });

        Assert.Equal("secret=hunter2", Lines(result["Inherits"])[0]);
        Assert.Equal("secret=absent", Lines(result["Clean"])[0]);
    }

    [Fact]
    public async Task ContainedGetsAPrivateProcessTableAndTmpButKeepsItsWorkAndInputs()
    {
        var marker = $"dagon-host-marker-{Guid.NewGuid():N}";
        await File.WriteAllTextAsync(Path.Combine("/tmp", marker), "x");
        try
        {
            var (result, _) = await RunAsync(Busybox()
                .Task("A", t => t.Command("echo a > a.txt").WritableTmpfs())
                .Task("T", t => t.Command($"ls /tmp/{marker} 2>/dev/null || echo tmp=private; cat workflow:///A/a.txt; pwd; echo pid1=$(cat /proc/1/comm)")
                    .Isolation(ContainerIsolation.Contained).WritableTmpfs()));

            var lines = Lines(result["T"]);
            Assert.Equal(["tmp=private", "a", "/work"], lines.Take(3));
            Assert.NotEqual("pid1=systemd", lines[3]);
            Assert.NotEqual("pid1=init", lines[3]);
        }
        finally
        {
            File.Delete(Path.Combine("/tmp", marker));
        }
    }

    [Fact]
    public async Task NvidiaTaskStartsOnThisMachineWithoutAGpuAndSeesItsDevices()
    {
        Environment.SetEnvironmentVariable("CUDA_VISIBLE_DEVICES", "0,1");
        try
        {
            var (result, host) = await RunAsync(Busybox()
                .Task("Gpu", t => t.Command("echo cuda=$CUDA_VISIBLE_DEVICES").Gpu(GpuVendor.Nvidia).WritableTmpfs())
                .Task("Rocm", t => t.Command("echo rocm=${ROCR_VISIBLE_DEVICES:-none}").Gpu(GpuVendor.Amd).WritableTmpfs()),
                new() { ["apptainer:env_allow"] = "TZ" });

            Assert.Equal(["cuda=0,1"], Lines(result["Gpu"]));
            Assert.Equal(["rocm=none"], Lines(result["Rocm"]));
            Assert.Contains(host.Log, line => line.Contains("Executing in container", StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable("CUDA_VISIBLE_DEVICES", null);
        }
    }

    [Fact]
    public async Task ExtraOptionsFromTheRunAndTheTaskReachApptainer()
    {
        var data = apptainer.NewFolder("data");
        await File.WriteAllTextAsync(Path.Combine(data, "in.txt"), "from the run's bind\n");
        var (result, _) = await RunAsync(Busybox()
                .Task("T", t => t.Command("cat /site/in.txt; hostname").ContainerOptions("--hostname", "dagon-opt").WritableTmpfs()),
            new() { ["apptainer:run_options"] = $"--bind '{data}:/site:ro'" });

        Assert.Equal(["from the run's bind", "dagon-opt"], Lines(result["T"]));
    }

    [Fact]
    public async Task RunOptionsThatWouldBreakTheEngineFailTheRunBeforeAnyTaskStarts()
    {
        var host = new TestHost(output, _cache, _tmp, new() { ["apptainer:run_options"] = "--pwd /tmp" });
        _hosts.Add(host);
        var result = await host.Runner.RunAsync(Busybox().Task("T", t => t.Command("echo never").WritableTmpfs()).Build());

        Assert.False(result.Succeeded);
        Assert.Contains("[apptainer] run_options: container option '--pwd' is set by the engine", RunSummary.Format(result));
    }

    [Fact]
    public async Task RunscriptRunsTheImagesRunscriptWithTheCommandsWordsAsArguments()
    {
        var sandbox = apptainer.NewFolder("runscript-image");
        await ApptainerFixture.Run("/bin/cp", "-a", apptainer.BusyboxSandbox + "/.", sandbox);
        Directory.CreateDirectory(Path.Combine(sandbox, ".singularity.d"));
        var runscript = Path.Combine(sandbox, ".singularity.d", "runscript");
        await File.WriteAllTextAsync(runscript, "#!/bin/sh\necho \"runscript: $# arguments, MINE=$MINE\"\nfor a do echo \"[$a]\"; done\n");
        File.SetUnixFileMode(runscript, (UnixFileMode)0b111_101_101);

        var (result, _) = await RunAsync(Busybox()
            .Task("A", t => t.Command("echo a > a.txt").WritableTmpfs())
            .Task("R", t => t.Image(sandbox).Runscript().Command("--in workflow:///A/a.txt 'two words' $HOME;x").Env("MINE", "m").WritableTmpfs()));

        Assert.Equal(["runscript: 4 arguments, MINE=m", "[--in]", "[/dagon/inputs/A/a.txt]", "[two words]", "[$HOME;x]"], Lines(result["R"]));
    }
}
