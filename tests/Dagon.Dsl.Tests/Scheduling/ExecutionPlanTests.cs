using Dagon.Model;
using Dagon.Scheduling;

namespace Dagon.Dsl.Tests.Scheduling;

public class ExecutionPlanTests
{
    [Fact]
    public void ReferenceToAnotherWorkflowOfTheRunBecomesAnEdge()
    {
        var prep = Workflow.Create("Prep").DefaultImage("docker://x").Task("clean", "echo > data.csv").Build();
        var analysis = Workflow.Create("Analysis").DefaultImage("docker://x").Task("fit", "cat workflow://Prep/clean/data.csv").Build();

        var plan = ExecutionPlan.Create([prep, analysis]);

        var fit = plan.Tasks.Single(t => t.Name == "fit");
        Assert.Equal("Analysis/fit", fit.DisplayName);
        var input = Assert.Single(fit.Inputs);
        Assert.Equal("Prep/clean", input.Producer.DisplayName);
        Assert.Equal([input.Producer.Index], plan.Graph.Dependencies[fit.Index]);
    }

    [Fact]
    public void ReferenceToWorkflowOutsideTheRunIsRejected()
    {
        var analysis = Workflow.Create("Analysis").DefaultImage("docker://x").Task("fit", "cat workflow://Prep/clean/data.csv").Build();
        var exception = Assert.Throws<WorkflowValidationException>(() => ExecutionPlan.Create([analysis]));
        Assert.Contains("Task 'fit' references workflow 'Prep' in 'workflow://Prep/clean/data.csv', but that workflow is not part of this run",
            exception.Errors);
    }

    [Fact]
    public void CycleAcrossWorkflowsIsRejected()
    {
        var one = Workflow.Create("One").DefaultImage("docker://x").Task("a", "cat workflow://Two/b/f").Build();
        var two = Workflow.Create("Two").DefaultImage("docker://x").Task("b", "cat workflow://One/a/f").Build();
        var error = Assert.Single(Assert.Throws<WorkflowValidationException>(() => ExecutionPlan.Create([one, two])).Errors);
        Assert.Matches(@"^Dependency cycle: (One/a -> Two/b -> One/a|Two/b -> One/a -> Two/b)$", error);
    }

    [Fact]
    public void ImageOverrideReplacesEveryTasksImage()
    {
        var workflow = Workflow.Create("w").DefaultImage("x.def").Task("a", t => t.Command("echo").Image("y.sif")).Build();
        var plan = ExecutionPlan.Create([workflow], imageOverride: "docker://ubuntu:20.04");
        Assert.Equal(ImageSource.Parse("docker://ubuntu:20.04"), plan.Tasks[0].Image);
    }

    [Fact]
    public void RelativeImageOverrideResolvesAgainstTheCurrentDirectoryNotTheWorkflowsBaseDirectory()
    {
        var elsewhere = Path.Combine(Path.GetTempPath(), $"dagon-elsewhere-{Guid.NewGuid():N}");
        var workflow = Workflow.Create("w").BaseDirectory(elsewhere).DefaultImage("x.def")
            .Task("a", "echo")
            .Task("b", t => t.Command("echo").Image("y.sif"))
            .Build();

        var plan = ExecutionPlan.Create([workflow], imageOverride: "rel/x.sif");

        var expected = new ImageSource(ImageSourceKind.SifFile, Path.Combine(Directory.GetCurrentDirectory(), "rel/x.sif"));
        Assert.All(plan.Tasks, task => Assert.Equal(expected, task.Image));
    }

    [Fact]
    public void EachWorkflowsRelativeImageResolvesAgainstItsOwnBaseDirectory()
    {
        var first = Path.Combine(Path.GetTempPath(), $"dagon-first-{Guid.NewGuid():N}");
        var second = Path.Combine(Path.GetTempPath(), $"dagon-second-{Guid.NewGuid():N}");
        var one = Workflow.Create("One").BaseDirectory(first).DefaultImage("tools.sif").Task("a", "echo").Build();
        var two = Workflow.Create("Two").BaseDirectory(second).DefaultImage("tools.sif")
            .Task("b", "echo")
            .Task("c", t => t.Command("echo").Image("own/tools.def"))
            .Build();

        var plan = ExecutionPlan.Create([one, two]);

        var images = plan.Tasks.ToDictionary(t => t.DisplayName, t => t.Image);
        Assert.Equal(new ImageSource(ImageSourceKind.SifFile, Path.Combine(first, "tools.sif")), images["One/a"]);
        Assert.Equal(new ImageSource(ImageSourceKind.SifFile, Path.Combine(second, "tools.sif")), images["Two/b"]);
        Assert.Equal(new ImageSource(ImageSourceKind.DefinitionFile, Path.Combine(second, "own", "tools.def")), images["Two/c"]);
    }

    [Fact]
    public void RunIdsAreUnique()
    {
        var workflow = Workflow.Create("w").DefaultImage("docker://x").Task("a", "echo").Build();
        Assert.NotEqual(ExecutionPlan.Create([workflow]).RunId, ExecutionPlan.Create([workflow]).RunId);
    }
}
