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

    private const string MixedSource = """
        using Dagon;
        using Dagon.Model;

        namespace Demo;

        [Workflow("Mixed", DefaultImage = "docker://alpine:3", Publish = "results/")]
        public partial class Mixed
        {
            [BatchTask(Command = "echo 42 > n.txt", Outputs = new[] { "n.txt", "logs/*.log" }, Retries = 2, RetryOnExitCodes = new[] { 75, 76 },
                RetryOn = RetryOn.Timeout | RetryOn.OutOfMemory)]
            public partial class Prepare;
            [ApptainerTask(Command = "cat workflow:///Prepare/n.txt > m.txt", Outputs = new[] { "m.txt" }, Publish = "final/", RetryOn = RetryOn.LostConnection)] public partial class Transform;
            [BatchTask(Command = "cat workflow:///Transform/m.txt", TmpDir = "/scratch", Remove = false, Host = "login", TimeoutSeconds = 45)]
            [DependsOn(typeof(Prepare))]
            public partial class Report;
        }

        public static class MixedProbe
        {
            public static WorkflowDefinition Configured() =>
                Mixed.Configure(w => w.Report.Env("MODE", "fast").Shell("/bin/sh")).Build();
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => CompileAndLoad(Source));

    private static readonly Lazy<Assembly> CompiledMixed = new(() => CompileAndLoad(MixedSource));

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

    [Fact]
    public void BuildMakesBatchTasksBatchWithEdgesAcrossKinds()
    {
        var definition = (WorkflowDefinition)CompiledMixed.Value.GetType("Demo.Mixed")!.GetMethod("Build")!.Invoke(null, null)!;

        Assert.Equal(["Prepare", "Report", "Transform"], definition.Tasks.Select(t => t.Name).Order(StringComparer.Ordinal));

        var prepare = definition["Prepare"];
        Assert.Equal(TaskKind.Batch, prepare.Kind);
        Assert.Equal("echo 42 > n.txt", prepare.Command);
        Assert.Null(prepare.Image);
        Assert.Empty(prepare.DependsOn);

        Assert.Equal(["n.txt", "logs/*.log"], prepare.Outputs);
        Assert.Equal("results/", prepare.Publish);
        Assert.Equal(2, prepare.Retries);
        Assert.Equal([75, 76], prepare.RetryOnExitCodes);
        // RetryOn is named by value here: the test project also sees the generator's and analyzers' linked copies of it.
        Assert.Equal(1 | 8, (int)prepare.RetryOn); // Timeout | OutOfMemory

        var transform = definition["Transform"];
        Assert.Equal(TaskKind.Apptainer, transform.Kind);
        Assert.Equal(["m.txt"], transform.Outputs);
        Assert.Equal("final/", transform.Publish);
        Assert.Null(transform.Retries);
        // A kind without a count of its own: the run's retries count, the task chooses what is retried.
        Assert.Equal(2, (int)transform.RetryOn); // LostConnection
        Assert.Empty(transform.RetryOnExitCodes);
        Assert.Equal(["Prepare"], transform.DependsOn);

        var report = definition["Report"];
        Assert.Equal(TaskKind.Batch, report.Kind);
        Assert.Null(report.Image);
        Assert.Empty(report.BindPaths);
        Assert.Equal(["Prepare", "Transform"], report.DependsOn);
        Assert.Equal("/scratch", report.TmpDir);
        Assert.False(report.Remove);
        Assert.Equal("login", report.Host);
        Assert.Equal(TimeSpan.FromSeconds(45), report.Timeout);
    }

    [Fact]
    public void BatchTaskHandlesConfigureTheBatchTaskAndOfferNoContainerSettings()
    {
        var definition = (WorkflowDefinition)CompiledMixed.Value.GetType("Demo.MixedProbe")!.GetMethod("Configured")!.Invoke(null, null)!;
        Assert.Equal("fast", definition["Report"].Environment["MODE"]);
        Assert.Equal("/bin/sh", definition["Report"].Shell);
        Assert.Equal(TaskKind.Batch, definition["Report"].Kind);

        var mixed = CompiledMixed.Value.GetType("Demo.Mixed")!;
        var batch = mixed.GetNestedType("Report")!;
        var container = mixed.GetNestedType("Transform")!;
        Assert.Equal(typeof(BatchTaskHandle<>), batch.BaseType!.GetGenericTypeDefinition());
        Assert.Equal(typeof(ApptainerTaskHandle<>), container.BaseType!.GetGenericTypeDefinition());
        foreach (var containerOnly in new[] { "Image", "Bind", "BindPaths", "OverlaySize", "WritableTmpfs", "NoOverlay" })
        {
            Assert.DoesNotContain(batch.GetMethods(), m => m.Name == containerOnly);
            Assert.Contains(container.GetMethods(), m => m.Name == containerOnly);
        }
    }

    private static Assembly CompileAndLoad(string source)
    {
        var compilation = TestCompilation.Create(source);
        TestCompilation.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        using var image = new MemoryStream();
        var emit = output.Emit(image);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        image.Position = 0;
        // Dagon.Dsl comes from the default context, so the loaded workflow and this test share WorkflowDefinition.
        return new AssemblyLoadContext("generated-workflow", isCollectible: true).LoadFromStream(image);
    }
}
