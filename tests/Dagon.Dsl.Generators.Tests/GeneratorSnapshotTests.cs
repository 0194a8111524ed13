using Dagon.Dsl.Testing;
using System.Text;
using Dagon.Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Dagon.Dsl.Generators.Tests;

public class GeneratorSnapshotTests
{
    private const string Demo = """
        using Dagon;

        namespace Demo;

        [Workflow("DataFlow-Demo-Apptainer", DefaultImage = "docker://ubuntu:20.04")]
        public partial class DataflowDemo
        {
            [ApptainerTask(Command = "mkdir -p output && hostname > output/f1.txt", OverlaySize = 256)]
            public partial class A;

            [ApptainerTask(Command = "echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt")]
            public partial class B;

            [ApptainerTask(Image = "images/tools.sif", Command = "cat workflow:///B/f2.txt > f3.txt",
                           BindPaths = new[] { "/data:/data:ro" })]
            [DependsOn(typeof(A))]
            public partial class D;
        }
        """;

    [Fact]
    public void DemoWorkflowGeneratesTasksEdgesHandlesAndEntryPoints() => MatchSingle(Demo, "DataflowDemo");

    [Fact]
    public void DemoWorkflowIsWrittenToAFileNamedAfterTheClass()
    {
        var result = TestCompilation.RunAndCompile(Demo);
        Assert.Equal("Demo.DataflowDemo.Workflow.g.cs", Assert.Single(result.GeneratedTrees).FilePath.Split('/', '\\').Last());
    }

    [Fact]
    public void ContainerSettingsBecomeFluentCallsWithEnumNames() => MatchSingle("""
        using Dagon;
        using Dagon.Model;

        [Workflow("containers", DefaultImage = "docker://alpine:3", Pull = PullPolicy.Never)]
        public partial class ContainerFlow
        {
            [ApptainerTask(Command = "nvidia-smi", Isolation = ContainerIsolation.Contained, GpuVendor = GpuVendor.Nvidia, Pull = PullPolicy.Always,
                           ContainerOptions = new[] { "--bind", "/scratch:/scratch" })]
            public partial class Gpu;

            [ApptainerTask(Command = "--threads 4 workflow:///Gpu/out.txt", Runscript = true, Isolation = ContainerIsolation.Inherit)]
            public partial class Run;
        }
        """, "ContainerSettings");

    [Fact]
    public void WorkflowInTheGlobalNamespaceHasNoNamespaceBlock() => MatchSingle("""
        using Dagon;

        [Workflow("global", DefaultImage = "docker://alpine:3")]
        public partial class GlobalFlow
        {
            [ApptainerTask(Command = "true")]
            public partial class Only;
        }
        """, "GlobalNamespace");

    [Fact]
    public void WorkflowNestedInNamespacesAndTypesRepeatsEveryContainingType() => MatchSingle("""
        using Dagon;

        namespace Company.Pipelines.Nightly
        {
            public static partial class Jobs
            {
                internal partial record Holder
                {
                    [Workflow("nested", DefaultImage = "library://alpine", Remove = false)]
                    internal partial class Inner
                    {
                        [ApptainerTask(Command = "make", TmpDir = "/scratch", Remove = true, Host = "hpc", TimeoutSeconds = 90)]
                        public partial class Compile;

                        [ApptainerTask(Command = "make test", Image = "oras://registry/tools:1")]
                        [DependsOn<Compile>]
                        public partial class Test;
                    }
                }
            }
        }
        """, "NestedNamespacesAndTypes");

    [Fact]
    public void TaskNamesThatAreCSharpKeywordsAreEscaped() => MatchSingle("""
        using Dagon;

        namespace @namespace;

        [Workflow("keywords", DefaultImage = "docker://alpine:3")]
        public partial class Keywords
        {
            [ApptainerTask(Command = "echo \"quoted\" \\ back")]
            public partial class @class;

            [ApptainerTask(Name = "event", Command = "cat workflow:///class/out")]
            public partial class Event;

            [ApptainerTask(Command = "cat workflow:///event/out workflow:///class/out")]
            public partial class @return;
        }
        """, "Keywords");

    [Fact]
    public void CommandComputedAtRunTimeIsCalledWithoutInferredEdges() => MatchSingle("""
        using Dagon;

        [Workflow("runtime", DefaultImage = "docker://alpine:3")]
        public partial class RunTimeFlow
        {
            [ApptainerTask(Command = "date > stamp")]
            public partial class Stamp;

            [ApptainerTask]
            [DependsOn(typeof(Stamp))]
            public partial class Report
            {
                public static string BuildCommand() => "cat workflow:///Stamp/stamp " + System.Environment.MachineName;
            }
        }
        """, "RunTimeCommand");

    private const string Mixed = """
        using Dagon;

        namespace Demo;

        [Workflow("Mixed", DefaultImage = "tools.sif")]
        public partial class Mixed
        {
            [BatchTask(Command = "echo 42 > n.txt")] public partial class Prepare;
            [ApptainerTask(Command = "cat workflow:///Prepare/n.txt > m.txt")] public partial class Transform;
            [BatchTask(Command = "cat workflow:///Transform/m.txt")] [DependsOn(typeof(Prepare))] public partial class Report;
        }
        """;

    [Fact]
    public void BatchAndContainerTasksMixWithEdgesAcrossKinds() => MatchSingle(Mixed, "MixedBatchAndContainer");

    [Fact]
    public void BatchTaskSettingsAreEmittedWithoutContainerSettings() => MatchSingle("""
        using Dagon;

        [Workflow("batch-only", Remove = false)]
        public partial class BatchOnly
        {
            [BatchTask(Name = "stage-in", Command = "cp /data/in.txt .", TmpDir = "/scratch", Remove = true, Host = "login", TimeoutSeconds = 120)]
            public partial class StageIn;

            [BatchTask]
            [DependsOn<StageIn>]
            public partial class Report
            {
                public static string BuildCommand() => "wc -l workflow:///stage-in/in.txt";
            }
        }
        """, "BatchOnly");

    [Fact]
    public void BatchTaskHandleOffersNoContainerSettings()
    {
        var compilation = TestCompilation.Create(Mixed + """

            public static class Probe
            {
                public static void Batch() => Demo.Mixed.Configure(w => w.Report.Image("docker://alpine:3"));
                public static void Container() => Demo.Mixed.Configure(w => w.Transform.Image("docker://alpine:3").Timeout(System.TimeSpan.FromSeconds(5)));
                public static void Common() => Demo.Mixed.Configure(w => w.Report.Timeout(System.TimeSpan.FromSeconds(5)).Env("A", "1").OnHost("hpc"));
            }
            """);
        TestCompilation.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var error = Assert.Single(output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("CS1061", error.Id);
        Assert.Contains("'Image'", error.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("Mixed.Report", error.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void TwoHundredTaskChainGeneratesEveryTaskAndEdge()
    {
        var source = new StringBuilder("using Dagon;\n\nnamespace Big;\n\n[Workflow(\"big\", DefaultImage = \"docker://alpine:3\")]\npublic partial class BigFlow\n{\n");
        for (var i = 0; i < 200; i++)
        {
            var command = i == 0 ? "echo 0 > n" : $"cat workflow:///T{i - 1:D3}/n > n && echo {i} >> n";
            source.Append($"    [ApptainerTask(Command = \"{command}\")]\n    public partial class T{i:D3};\n\n");
        }

        source.Append("}\n");
        MatchSingle(source.ToString(), "TwoHundredTasks");
    }

    [Fact]
    public void WorkflowWithoutProjectDirectoryResolvesImagesBesideTheApp()
    {
        var compilation = TestCompilation.Create(Demo);
        var result = TestCompilation.CreateDriver(projectDirectory: null).RunGenerators(compilation).GetRunResult();
        var text = Assert.Single(result.GeneratedTrees).ToString();
        Assert.Contains("return global::System.AppContext.BaseDirectory;", text);
    }

    [Fact]
    public void TasksDeclaredInAnotherPartOfTheWorkflowAreGeneratedWithTheirEdges()
    {
        var result = TestCompilation.RunAndCompile("""
            using Dagon;

            [Workflow("split", DefaultImage = "docker://alpine:3")]
            public partial class Split
            {
                [ApptainerTask(Command = "echo > f")]
                public partial class First;
            }
            """, """
            using Dagon;

            public partial class Split
            {
                [ApptainerTask(Command = "cat workflow:///First/f")]
                public partial class Second;
            }
            """);
        var text = Assert.Single(result.GeneratedTrees).ToString();
        Assert.Contains("workflow.Task(global::Split.Second.TaskName, static task => task", text, StringComparison.Ordinal);
        Assert.Contains(".DependsOn(\"First\"));", text);
    }

    [Fact]
    public void NonPartialTaskClassGeneratesNothing()
    {
        var compilation = TestCompilation.Create("""
            using Dagon;

            [Workflow("broken", DefaultImage = "docker://alpine:3")]
            public partial class Broken
            {
                [ApptainerTask(Command = "true")]
                public class A;
            }
            """);
        var result = TestCompilation.CreateDriver().RunGenerators(compilation).GetRunResult();
        Assert.Empty(result.GeneratedTrees);
        Assert.Empty(result.Diagnostics);
    }

    private static void MatchSingle(string source, string snapshot)
    {
        var result = TestCompilation.RunAndCompile(source);
        var tree = Assert.Single(result.GeneratedTrees);
        var text = tree.ToString();
        Assert.StartsWith("// <auto-generated/>\n#nullable enable\n", text);
        Snapshot.Match(text, snapshot, "cs");
    }
}
