using Dagon.Model;

namespace Dagon.Dsl.Tests.Model;

public class WorkflowValidationTests
{
    private static WorkflowBuilder Demo() => Workflow.Create("demo").DefaultImage("docker://busybox:1.36");

    private static IReadOnlyList<string> ErrorsOf(WorkflowBuilder builder) =>
        Assert.Throws<WorkflowValidationException>(() => builder.Build()).Errors;

    [Fact]
    public void ValidWorkflowInfersDependenciesFromReferences()
    {
        var workflow = Demo()
            .Task("A", "mkdir -p output && hostname > output/f1.txt")
            .Task("B", "cat workflow:///A/output/f1.txt > f2.txt")
            .Task("C", t => t.Command("echo c").DependsOn("A"))
            .Task("D", "cat workflow:///B/f2.txt workflow:///C/x workflow:///B/f2.txt")
            .Build();

        Assert.Equal(["A"], workflow.DependenciesOf(workflow["B"]));
        Assert.Equal(["A"], workflow.DependenciesOf(workflow["C"]));
        Assert.Equal(["B", "C"], workflow.DependenciesOf(workflow["D"]));
    }

    [Fact]
    public void UnknownReferencedTaskIsNamed()
    {
        var error = Assert.Single(ErrorsOf(Demo().Task("A", "echo").Task("B", "cat workflow:///X/f.txt")));
        Assert.Equal("Task 'B' references unknown task 'X' in 'workflow:///X/f.txt'", error);
    }

    [Fact]
    public void UnknownExplicitDependencyIsNamed()
    {
        var error = Assert.Single(ErrorsOf(Demo().Task("A", t => t.Command("echo").DependsOn("Nope"))));
        Assert.Equal("Task 'A' depends on unknown task 'Nope'", error);
    }

    [Fact]
    public void SelfReferenceIsRejected()
    {
        var errors = ErrorsOf(Demo().Task("A", "cat workflow:///A/f.txt"));
        Assert.Contains("Task 'A' references itself in 'workflow:///A/f.txt'", errors);
    }

    [Fact]
    public void DuplicateTaskNamesAreRejected()
    {
        var errors = ErrorsOf(Demo().Task("A", "echo 1").Task("A", "echo 2"));
        Assert.Contains("Duplicate task name 'A' (declared 2 times)", errors);
    }

    [Fact]
    public void TwoTaskCycleIsShownAsPath()
    {
        var error = Assert.Single(ErrorsOf(Demo()
            .Task("A", "cat workflow:///B/x")
            .Task("B", "cat workflow:///A/y")));
        Assert.Equal("Dependency cycle: A -> B -> A", error);
    }

    [Fact]
    public void ThreeTaskCycleThroughExplicitEdgeIsShownAsPath()
    {
        var error = Assert.Single(ErrorsOf(Demo()
            .Task("Start", "echo")
            .Task("A", t => t.Command("cat workflow:///C/x").DependsOn("Start"))
            .Task("B", "cat workflow:///A/x")
            .Task("C", t => t.Command("echo").DependsOn("B"))));
        Assert.StartsWith("Dependency cycle: ", error);
        var path = error["Dependency cycle: ".Length..].Split(" -> ");
        Assert.Equal(4, path.Length);
        Assert.Equal(path[0], path[^1]);
        Assert.Equal(["A", "B", "C"], path.Skip(1).Order());
    }

    [Fact]
    public void MissingImageWithoutDefaultIsRejected()
    {
        var error = Assert.Single(ErrorsOf(Workflow.Create("w").Task("A", "echo")));
        Assert.Equal("Task 'A' has no image and workflow 'w' has no default image", error);
    }

    [Theory]
    [InlineData("foo://bar", "unknown scheme 'foo://'")]
    [InlineData("docker://", "names no image")]
    [InlineData("docker://ubuntu 20.04", "contains whitespace")]
    public void MalformedImageIsRejected(string image, string expected)
    {
        var error = Assert.Single(ErrorsOf(Demo().Task("A", t => t.Command("echo").Image(image))));
        Assert.StartsWith("Task 'A': ", error);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("/data", "must have the form")]
    [InlineData("/data:data", "relative destination 'data'")]
    [InlineData("/data:/data:rx", "unknown option 'rx'")]
    [InlineData(":/data", "empty source")]
    public void InvalidBindIsRejected(string spec, string expected)
    {
        var error = Assert.Single(ErrorsOf(Demo().Task("A", t => t.Command("echo").Bind(spec))));
        Assert.Contains("Task 'A'", error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void NonPositiveOverlayAndEmptyCommandAreRejected()
    {
        var errors = ErrorsOf(Demo().Task("A", t => t.Command(" ").OverlaySize(0)));
        Assert.Contains("Task 'A' has an empty command", errors);
        Assert.Contains("Task 'A' has overlay size 0 MB; it must be positive", errors);
    }

    [Fact]
    public void OverlayBelowApptainersMinimumAndBadEnvironmentNamesAreRejected()
    {
        var errors = ErrorsOf(Demo().Task("A", t => t.Command("echo").OverlaySize(32).Env("1BAD", "x").Env("OK_1", "y")));
        Assert.Contains("Task 'A' has overlay size 32 MB; Apptainer needs at least 64 MB (or use WritableTmpfs for small scratch space)", errors);
        Assert.Contains("Task 'A' sets environment variable '1BAD', which is not a valid name ([A-Za-z_][A-Za-z0-9_]*)", errors);
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void OverlayOneBelowApptainersMinimumIsRejected()
    {
        // DAG012 reports the same size at compile time (AnalyzerTests).
        var error = Assert.Single(ErrorsOf(Demo().Task("A", t => t.Command("echo").OverlaySize(63))));
        Assert.Equal("Task 'A' has overlay size 63 MB; Apptainer needs at least 64 MB (or use WritableTmpfs for small scratch space)", error);
    }

    [Fact]
    public void OverlayOfApptainersMinimumIsAccepted()
    {
        var workflow = Demo().Task("A", t => t.Command("echo").OverlaySize(64)).Build();
        Assert.Equal(64, workflow["A"].OverlaySizeMb);
    }

    [Fact]
    public void ConfigureUnknownTaskIsRejected()
    {
        var errors = ErrorsOf(Demo().Task("A", "echo").Configure("Z", t => t.OverlaySize(5)));
        Assert.Contains("Cannot configure task 'Z': workflow 'demo' has no such task", errors);
    }

    [Fact]
    public void ValidationMessageListsEveryError()
    {
        var exception = Assert.Throws<WorkflowValidationException>(() =>
            Demo().Task("A", "cat workflow:///X/f").Task("B", t => t.Command("").DependsOn("Y")).Build());
        Assert.Contains("Workflow 'demo' is invalid", exception.Message);
        Assert.Contains("unknown task 'X'", exception.Message);
        Assert.Contains("unknown task 'Y'", exception.Message);
        Assert.Contains("Task 'B' has an empty command", exception.Message);
    }

    [Fact]
    public void BindAndImageParsersClassifyInput()
    {
        Assert.Equal(new BindPath("/a", "/b", true), BindPath.Parse("/a:/b:ro"));
        Assert.Equal("/a:/b", BindPath.Parse("/a:/b:rw").ToString());
        Assert.Equal(ImageSourceKind.Docker, ImageSource.Parse("docker://ubuntu:20.04").Kind);
        Assert.Equal(ImageSourceKind.Library, ImageSource.Parse("library://alpine").Kind);
        Assert.Equal(ImageSourceKind.Oras, ImageSource.Parse("oras://reg/x:1").Kind);
        Assert.Equal(ImageSourceKind.Http, ImageSource.Parse("https://example.org/x.sif").Kind);
        var sif = ImageSource.Parse("images/tools.sif", "/proj");
        Assert.Equal((ImageSourceKind.SifFile, "/proj/images/tools.sif"), (sif.Kind, sif.Reference));
        Assert.Equal(ImageSourceKind.DefinitionFile, ImageSource.Parse("/x/app.def").Kind);
        Assert.Equal(ImageSourceKind.SandboxDirectory, ImageSource.Parse("/x/rootfs").Kind);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("$(touch /tmp/x)")]
    [InlineData("it's")]
    [InlineData("two\nlines")]
    [InlineData("red\u001b[31m")]
    public void TaskNamesTheAnalyzerRejectsAreRejectedAtRunTimeToo(string name)
    {
        var error = Assert.Single(ErrorsOf(Demo().Task(name, "true")));
        Assert.Contains("has a name that cannot be used", error);
        Assert.DoesNotContain(error, char.IsControl); // escaped, never raw in a message or log
    }

    [Fact]
    public void WorkflowNamesAreCheckedLikeTaskNames()
    {
        var error = Assert.Single(ErrorsOf(Workflow.Create("nightly\u001b]0;x").Task("A", "true", "docker://x")));
        Assert.StartsWith("Workflow 'nightly\\u001b]0;x' has a name that cannot be used", error);
    }

    [Theory]
    [InlineData("/data:/mnt/b,/var/cache/dagon", "contains a comma")]
    [InlineData("/data:/work", "where the engine mounts the task's work directory")]
    [InlineData("/data:/work/in:ro", "where the engine mounts the task's work directory")]
    [InlineData("/data:/", "the container's root")]
    [InlineData("/data:/dagon/inputs/A", "reserves for the files of other tasks")]
    public void BindsThatWouldEscapeOrHideTheEnginesMountsAreRejected(string bind, string reason)
    {
        var error = Assert.Single(ErrorsOf(Demo().Task("A", t => t.Command("true").Bind(bind))));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void ABindBesideTheReservedFoldersIsAccepted() =>
        Assert.Single(Demo().Task("A", t => t.Command("true").Bind("/data:/workspace").Bind("/data:/dagonfly")).Build().Tasks);

    [Fact]
    public void AReferenceMayNotLeaveItsProducersFolder()
    {
        var error = Assert.Single(ErrorsOf(Demo().Task("A", "true").Task("B", "cat workflow:///A/../../../../etc/hostname")));
        Assert.Contains("must stay inside the producing task's work folder", error);
    }
}
