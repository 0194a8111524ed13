using System.Reflection;
using System.Runtime.Loader;
using Dagon.Dsl.Generators.Tests.Infrastructure;
using Dagon.Model;
using Microsoft.CodeAnalysis;

namespace Dagon.Dsl.Generators.Tests;

/// <summary>Compiles generated code, loads it and calls it: the snapshots show the text, these show what it does.</summary>
public class GeneratedWorkflowBehaviourTests
{
    private const string Source = """
        using Dagon;
        using Dagon.Model;

        namespace Demo;

        [Workflow("DataFlow-Demo-Apptainer", DefaultImage = "docker://ubuntu:20.04", Remove = false)]
        public partial class DataflowDemo
        {
            [ApptainerTask(Command = "mkdir -p output && hostname > output/f1.txt", OverlaySize = 256)]
            public partial class A;

            [ApptainerTask(Command = "echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt", TimeoutSeconds = 30, Host = "hpc")]
            public partial class B;

            [ApptainerTask(Image = "docker://alpine:3", Command = "cat workflow:///B/f2.txt > f3.txt",
                           BindPaths = new[] { "/data:/data:ro" }, TmpDir = "/scratch", Remove = true)]
            [DependsOn(typeof(A))]
            public partial class D;
        }

        public static class Probe
        {
            public static WorkflowDefinition Configured() =>
                DataflowDemo.Configure(w => w.A.OverlaySize(512).Bind("/scratch:/scratch").Env("MODE", "fast")).Build();
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(CompileAndLoad);

    [Fact]
    public void BuildDeclaresEveryTaskWithItsAttributesAndEdges()
    {
        var definition = (WorkflowDefinition)Compiled.Value.GetType("Demo.DataflowDemo")!.GetMethod("Build")!.Invoke(null, null)!;

        Assert.Equal("DataFlow-Demo-Apptainer", definition.Name);
        Assert.Equal("docker://ubuntu:20.04", definition.DefaultImage);
        Assert.Equal(["A", "B", "D"], definition.Tasks.Select(t => t.Name));

        var a = definition["A"];
        Assert.Equal(256, a.OverlaySizeMb);
        Assert.False(a.Remove);
        Assert.Empty(a.DependsOn);

        var b = definition["B"];
        Assert.Equal(["A"], b.DependsOn);
        Assert.Equal(TimeSpan.FromSeconds(30), b.Timeout);
        Assert.Equal("hpc", b.Host);

        var d = definition["D"];
        Assert.Equal(["A", "B"], d.DependsOn);
        Assert.Equal("docker://alpine:3", d.Image);
        Assert.Equal([new BindPath("/data", "/data", true)], d.BindPaths);
        Assert.Equal("/scratch", d.TmpDir);
        Assert.True(d.Remove);
    }

    [Fact]
    public void ConfigureAppliesTypedSettingsToTheNamedTaskOnly()
    {
        var definition = (WorkflowDefinition)Compiled.Value.GetType("Demo.Probe")!.GetMethod("Configured")!.Invoke(null, null)!;

        Assert.Equal(512, definition["A"].OverlaySizeMb);
        Assert.Equal([new BindPath("/scratch", "/scratch", false)], definition["A"].BindPaths);
        Assert.Equal("fast", definition["A"].Environment["MODE"]);
        Assert.Equal(TaskDefinition.DefaultOverlaySizeMb, definition["B"].OverlaySizeMb);
    }

    [Fact]
    public void TaskHandlesExposeTheTaskNames()
    {
        var workflow = Compiled.Value.GetType("Demo.DataflowDemo")!;
        Assert.Equal("DataFlow-Demo-Apptainer", workflow.GetField("WorkflowName")!.GetValue(null));
        Assert.Equal("D", workflow.GetNestedType("D")!.GetField("TaskName")!.GetValue(null));
    }

    private static Assembly CompileAndLoad()
    {
        var compilation = TestCompilation.Create(Source);
        TestCompilation.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        using var image = new MemoryStream();
        var emit = output.Emit(image);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        image.Position = 0;
        // Dagon.Dsl comes from the default context, so the loaded workflow and this test share WorkflowDefinition.
        return new AssemblyLoadContext("generated-workflow", isCollectible: true).LoadFromStream(image);
    }
}
