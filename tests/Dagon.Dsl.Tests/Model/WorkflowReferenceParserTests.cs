using Dagon.Model;

namespace Dagon.Dsl.Tests.Model;

public class WorkflowReferenceParserTests
{
    [Fact]
    public void SameWorkflowReferenceNamesTaskAndPath()
    {
        var reference = Assert.Single(WorkflowReferenceParser.Parse("cat workflow:///A/output/f1.txt >> f2.txt"));
        Assert.Null(reference.Workflow);
        Assert.Equal("A", reference.Task);
        Assert.Equal("output/f1.txt", reference.Path);
        Assert.Equal(4, reference.Start);
        Assert.Equal("workflow:///A/output/f1.txt".Length, reference.Length);
        Assert.Equal(4 + "workflow:///".Length, reference.TaskStart);
    }

    [Fact]
    public void OtherWorkflowReferenceNamesWorkflow()
    {
        var reference = Assert.Single(WorkflowReferenceParser.Parse("cat workflow://Prep/clean/data.csv"));
        Assert.Equal("Prep", reference.Workflow);
        Assert.Equal("clean", reference.Task);
        Assert.Equal("data.csv", reference.Path);
        Assert.Equal("cat workflow://Prep/".Length, reference.TaskStart);
    }

    [Fact]
    public void SeveralReferencesAreFoundInOrder()
    {
        var command = "cat workflow:///B/f2.txt >> f3.txt && cat workflow:///C/f2.txt >> f3.txt";
        var references = WorkflowReferenceParser.Parse(command);
        Assert.Equal(["B", "C"], references.Select(r => r.Task));
        Assert.All(references, r => Assert.Equal("f2.txt", r.Path));
        Assert.All(references, r => Assert.Equal(r.Text, command.Substring(r.Start, r.Length)));
    }

    [Fact]
    public void ReferenceAtEndOfStringIsComplete()
    {
        var reference = Assert.Single(WorkflowReferenceParser.Parse("wc -l workflow:///A/out/x.txt"));
        Assert.Equal("out/x.txt", reference.Path);
        Assert.Equal("wc -l ".Length + reference.Length, "wc -l workflow:///A/out/x.txt".Length);
    }

    [Theory]
    [InlineData("cat workflow:///A/f.txt;echo", "f.txt")]
    [InlineData("cat \"workflow:///A/dir with/\"", "dir")]
    [InlineData("cat 'workflow:///A/f.txt'", "f.txt")]
    [InlineData("x=$(cat workflow:///A/f.txt)", "f.txt")]
    [InlineData("cat workflow:///A/a-b_c.d/e+f=g,h@i%j~k.tar.gz|gzip", "a-b_c.d/e+f=g,h@i%j~k.tar.gz")]
    [InlineData("cat workflow:///A/out/>x", "out")]
    [InlineData("ls workflow:///A", "")]
    [InlineData("ls workflow:///A/", "")]
    public void OddPathsEndWhereTheShellWouldSplitThem(string command, string expectedPath)
    {
        var reference = Assert.Single(WorkflowReferenceParser.Parse(command));
        Assert.Equal("A", reference.Task);
        Assert.Equal(expectedPath, reference.Path);
    }

    [Theory]
    [InlineData("cat workflow:///")]
    [InlineData("cat workflow:////f.txt")]
    [InlineData("cat workflow://")]
    public void ReferencesWithoutTaskAreMalformed(string command)
    {
        var malformed = new List<MalformedReference>();
        Assert.Empty(WorkflowReferenceParser.Parse(command, malformed));
        Assert.Single(malformed);
    }

    [Fact]
    public void CommandWithoutReferencesYieldsNothing()
    {
        Assert.Empty(WorkflowReferenceParser.Parse("echo workflow is great; cat /workflow/x"));
        Assert.Empty(WorkflowReferenceParser.Parse(null));
    }

    [Theory]
    [InlineData("cat workflow:///A/../etc/f")]
    [InlineData("cat workflow:///A/../../../../etc/hostname")]
    [InlineData("cat workflow:///A/out/../../x")]
    [InlineData("cat workflow://Other/A/..")]
    public void ReferenceThatLeavesTheProducersFolderIsMalformed(string command)
    {
        var malformed = new List<MalformedReference>();
        Assert.Empty(WorkflowReferenceParser.Parse(command, malformed));
        var bad = Assert.Single(malformed);
        Assert.Contains("no '..' segments", bad.Reason);
    }

    [Fact]
    public void DotsInsideANameAreNotAParentFolder()
    {
        var reference = Assert.Single(WorkflowReferenceParser.Parse("cat workflow:///A/a..b/..c/d.."));
        Assert.Equal("a..b/..c/d..", reference.Path);
    }
}
