using Dagon.Containers;
using Dagon.Model;

namespace Dagon.Dsl.Tests.Containers;

public class ApptainerCommandLineTests
{
    /// <summary>Apptainer's own default (no --cleanenv): the argv is Apptainer's from its first element.</summary>
    private static readonly ContainerSettings Inherit = ContainerSettings.Default with { Isolation = ContainerIsolation.Inherit };

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
        var input = new InputMount("/tmp/run/A/work", "/dagon/inputs/A");
        var args = ApptainerCommandLine.Exec("apptainer", "/cache/img.sif", "cat /dagon/inputs/A/out.txt", task, OverlayMode.Image,
            "/tmp/run/B/overlay.img", "/tmp/run/B/work", [input], silent: true, Inherit);

        Assert.Equal(
        [
            "apptainer", "--silent", "exec",
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
        var args = ApptainerCommandLine.Exec("apptainer", "i.sif", hostile, Task(), OverlayMode.None, null, "/w", [], silent: false, Inherit);
        Assert.Equal(hostile, args[^2]);
        Assert.DoesNotContain("--overlay", args);
        Assert.DoesNotContain("--writable-tmpfs", args);
        Assert.Equal(["apptainer", "exec"], args.Take(2));
    }

    [Fact]
    public void WritableTmpfsAndExplicitShellAreHonoured()
    {
        var args = ApptainerCommandLine.Exec("apptainer", "i.sif", "echo hi", Task(t => t.Shell("/bin/ash")), OverlayMode.WritableTmpfs,
            null, "/w", [], silent: true);
        Assert.Contains("--writable-tmpfs", args);
        Assert.Equal(["i.sif", "/bin/sh", "-c", ApptainerCommandLine.TrampolineScript, "dagon-task", "echo hi", "/bin/ash"], args.TakeLast(7));
    }

    [Fact]
    public void EnvironmentTravelsAsPositionalArgumentsSoValuesAreNeverReparsed()
    {
        var args = ApptainerCommandLine.Exec("apptainer", "i.sif", "env", Task(t => t.Env("X", "1").Env("LIST", "a,b,$HOME")), OverlayMode.None,
            null, "/w", [], silent: true, Inherit);
        Assert.Equal(["env", "", "LIST=a,b,$HOME", "X=1"], args.TakeLast(4));
        Assert.DoesNotContain("--env", args);
    }

    [Fact]
    public void OverlayAndBuildArgumentsAreArrays()
    {
        Assert.Equal(["a", "overlay", "create", "--size", "1024", "/w/overlay.img"], ApptainerCommandLine.CreateOverlay("a", 1024, "/w/overlay.img"));
        Assert.Equal(["a", "build", "--fakeroot", "/c/x.sif", "/p/x.def"], ApptainerCommandLine.Build("a", "/c/x.sif", "/p/x.def", fakeroot: true));
        Assert.Equal(["a", "build", "/c/x.sif", "docker://a/b:1"], ApptainerCommandLine.Build("a", "/c/x.sif", "docker://a/b:1", fakeroot: false));
    }
}
