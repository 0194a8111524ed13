using System.Collections;
using System.Reflection;
using Dagon.Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Dagon.Dsl.Generators.Tests;

public class IncrementalGeneratorTests
{
    private static readonly string[] TrackedSteps =
    [
        TrackingNames.Declarations, TrackingNames.Sources, TrackingNames.ProjectDirectory, TrackingNames.Outputs,
    ];

    private const string First = """
        using Dagon;

        namespace Demo;

        [Workflow("first", DefaultImage = "docker://alpine:3")]
        public partial class First
        {
            [ApptainerTask(Command = "echo 1 > one")]
            public partial class A;

            [ApptainerTask(Command = "cat workflow:///A/one")]
            public partial class B;
        }
        """;

    private const string Second = """
        using Dagon;

        namespace Demo;

        [Workflow("second", DefaultImage = "docker://alpine:3")]
        public partial class Second
        {
            [ApptainerTask(Command = "echo 2 > two")]
            public partial class A;
        }
        """;

    [Fact]
    public void AddingAnUnrelatedFileLeavesEveryTrackedStepCachedOrUnchanged()
    {
        var compilation = TestCompilation.Create(First, Second);
        var driver = TestCompilation.CreateDriver().RunGenerators(compilation);

        var edited = compilation.AddSyntaxTrees(TestCompilation.Parse("namespace Demo; public class Unrelated { }", 9));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var step in TrackedSteps)
        {
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), output =>
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {output.Reason}"));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output: {output.Reason}"));
    }

    [Fact]
    public void RerunningOnAClonedCompilationLeavesEveryTrackedStepCachedOrUnchanged()
    {
        var compilation = TestCompilation.Create(First, Second);
        var driver = TestCompilation.CreateDriver().RunGenerators(compilation);
        var result = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();

        foreach (var step in TrackedSteps)
        {
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), output =>
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {output.Reason}"));
        }
    }

    [Fact]
    public void EditingOneTaskCommandRegeneratesOnlyThatWorkflow()
    {
        var compilation = TestCompilation.Create(First, Second);
        var driver = TestCompilation.CreateDriver().RunGenerators(compilation);

        var oldTree = compilation.SyntaxTrees.First();
        var newTree = oldTree.WithChangedText(oldTree.GetText().Replace(First.IndexOf("echo 1", StringComparison.Ordinal), "echo 1".Length, "echo 3"));
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(oldTree, newTree)).GetRunResult().Results.Single();

        var outputs = result.TrackedSteps[TrackingNames.Outputs].SelectMany(s => s.Outputs)
            .Select(o => (Name: HintName(o.Value), o.Reason))
            .ToDictionary(o => o.Name!, o => o.Reason);
        Assert.Equal(IncrementalStepRunReason.Modified, outputs["Demo.First.Workflow.g.cs"]);
        Assert.True(outputs["Demo.Second.Workflow.g.cs"] is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void EditingATaskInAnotherPartOfTheWorkflowRegeneratesTheWorkflow()
    {
        const string part = """
            using Dagon;

            namespace Demo;

            public partial class First
            {
                [ApptainerTask(Command = "echo from-the-other-part")]
                public partial class C;
            }
            """;
        var compilation = TestCompilation.Create(First, part);
        var driver = TestCompilation.CreateDriver().RunGenerators(compilation);

        var oldTree = compilation.SyntaxTrees.Last();
        var newTree = oldTree.WithChangedText(oldTree.GetText().Replace(part.IndexOf("from-the-other-part", StringComparison.Ordinal), "from-the-other-part".Length, "edited-in-place"));
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(oldTree, newTree)).GetRunResult();

        var text = Assert.Single(result.GeneratedTrees).ToString();
        Assert.Contains("edited-in-place", text);
    }

    [Fact]
    public void AddingACommentAboveAWorkflowDoesNotRegenerateIt()
    {
        var compilation = TestCompilation.Create(First);
        var driver = TestCompilation.CreateDriver().RunGenerators(compilation);

        var oldTree = compilation.SyntaxTrees.First();
        var newTree = oldTree.WithChangedText(oldTree.GetText().Replace(0, 0, "// a comment that moves every span\n\n"));
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(oldTree, newTree)).GetRunResult().Results.Single();

        // The declaration holds locations for the analyzers, so it changes; the emitted model does not.
        Assert.All(result.TrackedSteps[TrackingNames.Sources].SelectMany(s => s.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, output.Reason.ToString()));
        Assert.All(result.TrackedSteps[TrackingNames.Outputs].SelectMany(s => s.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, output.Reason.ToString()));
    }

    [Fact]
    public void NoTrackedStepOutputHoldsASymbolSyntaxNodeOrCompilation()
    {
        var compilation = TestCompilation.Create(First, Second);
        var result = TestCompilation.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();

        foreach (var step in TrackedSteps)
        {
            foreach (var output in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                AssertHoldsNoRoslynObjects(output.Value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    /// <summary>The hint name inside an Outputs step value, a (WorkflowSource, project directory) tuple of internal types.</summary>
    private static string HintName(object value)
    {
        var source = value.GetType().GetField("Item1")!.GetValue(value)!;
        return (string)source.GetType().GetProperty("HintName")!.GetValue(source)!;
    }

    private static void AssertHoldsNoRoslynObjects(object? value, string path, HashSet<object> visited)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        Assert.False(
            value is ISymbol or SyntaxNode or Compilation or Location or SemanticModel or SyntaxTree,
            $"{path} holds a {value.GetType().FullName}");
        if (!value.GetType().IsValueType && !visited.Add(value)) return;

        var type = value.GetType();
        if (type.Namespace?.StartsWith("Microsoft.CodeAnalysis.Text", StringComparison.Ordinal) == true) return; // TextSpan, LinePositionSpan

        if (value is IEnumerable items)
        {
            var i = 0;
            foreach (var item in items) AssertHoldsNoRoslynObjects(item, $"{path}[{i++}]", visited);
            return;
        }

        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                AssertHoldsNoRoslynObjects(field.GetValue(value), $"{path}.{field.Name}", visited);
            }
        }
    }
}
