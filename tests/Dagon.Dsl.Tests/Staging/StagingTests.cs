using Dagon.Model;
using Dagon.Staging;

namespace Dagon.Dsl.Tests.Staging;

public class StagingTests
{
    [Fact]
    public void ReferencesAreRewrittenToTheProducersVisibleDirectory()
    {
        const string command = "cat workflow:///B/f2.txt >> f3.txt && cat workflow:///C/f2.txt >> f3.txt; ls workflow:///B";
        var references = WorkflowReferenceParser.Parse(command);
        var inputs = new[]
        {
            new StagedInput("B", "/h/B", "B", references.Where(r => r.Task == "B").ToArray()),
            new StagedInput("C", "/h/C", "C", references.Where(r => r.Task == "C").ToArray()),
        };

        var rewritten = InputStager.RewriteCommand(command, inputs, i => i.ContainerDirectory);

        Assert.Equal("cat /dagon/inputs/B/f2.txt >> f3.txt && cat /dagon/inputs/C/f2.txt >> f3.txt; ls /dagon/inputs/B", rewritten);
    }

    [Theory]
    [InlineData("A", "A")]
    [InlineData("a-b_c.d", "a-b_c.d")]
    public void SafeNamesAreKept(string name, string slug) => Assert.Equal(slug, PathSegment.Slug(name));

    [Fact]
    public void UnsafeNamesGetDistinctSlugs()
    {
        var spaced = PathSegment.Slug("my task");
        var underscored = PathSegment.Slug("my_task");
        Assert.StartsWith("my_task-", spaced);
        Assert.NotEqual(spaced, underscored);
        Assert.Matches("^[A-Za-z0-9._-]+$", PathSegment.Slug("$(rm -rf /); 'x'"));
        Assert.DoesNotMatch("^\\.", PathSegment.Slug(".."));
    }

    [Fact]
    public void WorkspaceKeepsLogsAndOverlayBesideTheWorkDir()
    {
        var workspace = new TaskWorkspace("/tmp/dagon-1/A");
        Assert.Equal("/tmp/dagon-1/A/work", workspace.WorkDir);
        Assert.Equal("/tmp/dagon-1/A/stdout.log", workspace.StdoutPath);
        Assert.Equal("/tmp/dagon-1/A/stderr.log", workspace.StderrPath);
        Assert.Equal("/tmp/dagon-1/A/overlay.img", workspace.OverlayPath);
    }
}
