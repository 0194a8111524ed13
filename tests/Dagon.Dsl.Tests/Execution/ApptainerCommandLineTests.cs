using Dagon.Execution.Apptainer;
using Dagon.Model;
using Dagon.Staging;

namespace Dagon.Dsl.Tests.Execution;

public class ApptainerCommandLineTests
{
    private static TaskDefinition Task(Action<TaskBuilder>? configure = null)
    {
        var workflow = Workflow.Create("w").DefaultImage("docker://x").Task("B", t =>
        {
            t.Command("cat workflow:///A/out.txt");
            configure?.Invoke(t);
        }).Task("A", "echo").Build();
        return workflow["B"];
    }

    [Fact]
    public void ExecMountsWorkDirOverlayBindsAndInputsInOrder()
    {
        var task = Task(t => t.Bind("/host/data:/data").Bind("/host/config:/config:ro"));
        var input = new StagedInput("A", "/tmp/run/A/work", "A", task.References);
        var args = ApptainerCommandLine.Exec("/cache/img.sif", "cat /dagon/inputs/A/out.txt", task, OverlayMode.Image,
            "/tmp/run/B/overlay.img", "/tmp/run/B/work", [input], silent: true);

        Assert.Equal(
        [
            "--silent", "exec",
            "--overlay", "/tmp/run/B/overlay.img",
            "--bind", "/tmp/run/B/work:/work", "--pwd", "/work",
            "--bind", "/host/data:/data",
            "--bind", "/host/config:/config:ro",
            "--bind", "/tmp/run/A/work:/dagon/inputs/A:ro",
            "/cache/img.sif",
            "/bin/sh", "-c", ApptainerCommandLine.TrampolineScript, "dagon-task", "cat /dagon/inputs/A/out.txt", "",
        ], args);
    }

    [Fact]
    public void CommandTravelsAsOneArgumentWhateverItContains()
    {
        const string hostile = "echo '$(rm -rf /)'; echo \"$HOME\" `id` && x=1;";
        var args = ApptainerCommandLine.Exec("i.sif", hostile, Task(), OverlayMode.None, null, "/w", [], silent: false);
        Assert.Equal(hostile, args[^2]);
        Assert.DoesNotContain("--overlay", args);
        Assert.DoesNotContain("--writable-tmpfs", args);
        Assert.Equal("exec", args[0]);
    }

    [Fact]
    public void WritableTmpfsAndExplicitShellAreHonoured()
    {
        var args = ApptainerCommandLine.Exec("i.sif", "echo hi", Task(t => t.Shell("/bin/ash")), OverlayMode.WritableTmpfs,
            null, "/w", [], silent: true);
        Assert.Contains("--writable-tmpfs", args);
        Assert.Equal(["i.sif", "/bin/sh", "-c", ApptainerCommandLine.TrampolineScript, "dagon-task", "echo hi", "/bin/ash"], args.TakeLast(7));
    }

    [Fact]
    public void EnvironmentTravelsAsPositionalArgumentsSoValuesAreNeverReparsed()
    {
        var args = ApptainerCommandLine.Exec("i.sif", "env", Task(t => t.Env("X", "1").Env("LIST", "a,b,$HOME")), OverlayMode.None,
            null, "/w", [], silent: true);
        Assert.Equal(["env", "", "LIST=a,b,$HOME", "X=1"], args.TakeLast(4));
        Assert.DoesNotContain("--env", args);
    }

    [Fact]
    public void OverlayAndBuildArgumentsAreArrays()
    {
        Assert.Equal(["overlay", "create", "--size", "1024", "/w/overlay.img"], ApptainerCommandLine.CreateOverlay(1024, "/w/overlay.img"));
        Assert.Equal(["build", "--fakeroot", "/c/x.sif", "/p/x.def"], ApptainerCommandLine.Build("/c/x.sif", "/p/x.def", fakeroot: true));
        Assert.Equal(["build", "/c/x.sif", "docker://a/b:1"], ApptainerCommandLine.Build("/c/x.sif", "docker://a/b:1", fakeroot: false));
    }
}
