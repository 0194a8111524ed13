using System.Text;
using Dagon.Dsl.Analyzers;
using Dagon.Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Dagon.Dsl.Generators.Tests;

public class AnalyzerTests
{
    private static string Workflow(string tasks, string attribute = "[Workflow(\"wf\", DefaultImage = \"docker://alpine:3\")]") => $$"""
        using Dagon;

        {{attribute}}
        public partial class Flow
        {
        {{tasks}}
        }
        """;

    [Fact]
    public async Task UnknownTaskInReferenceIsReportedOnTheTaskNameInsideTheString()
    {
        var test = new AnalyzerTest(Workflow("""
                [ApptainerTask(Command = "true")]
                public partial class Prepare;

                [ApptainerTask(Command = "cat workflow:///{|#0:Prepar|}/out.txt")]
                public partial class Use;
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.UnknownTask)
            .WithLocation(0)
            .WithArguments("Use", "Prepar", "workflow:///Prepar/out.txt", "; did you mean 'Prepare'?"));
        await test.RunAsync();
    }

    [Fact]
    public Task UnknownTaskInAConcatenatedConstantIsReportedOnTheLiteralCharacters() => AnalyzerTest.VerifyAsync("""
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public partial class Flow
        {
            private const string Prefix = "set -e && ";

            [ApptainerTask(Command = Prefix + "cat workflow:///{|DAG001:Nope|}/f")]
            public partial class A;
        }
        """);

    [Fact]
    public Task UnknownTaskInAStringWithEscapesIsReportedOnTheWholeLiteral() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = {|DAG001:"echo \"x\" && cat workflow:///Nope/f"|})]
            public partial class A;
        """));

    [Fact]
    public Task UnknownTaskInAnotherPartOfTheWorkflowIsReportedInThatFile()
    {
        var test = new AnalyzerTest(Workflow("""
                [ApptainerTask(Command = "true")]
                public partial class A;
            """));
        test.TestState.Sources.Add("""
            using Dagon;

            public partial class Flow
            {
                [ApptainerTask(Command = "cat workflow:///{|DAG001:Z|}/f")]
                public partial class B;
            }
            """);
        return test.RunAsync();
    }

    [Fact]
    public async Task CycleBetweenTwoTasksIsReportedOnBoth()
    {
        var test = new AnalyzerTest(Workflow("""
                [ApptainerTask(Command = "cat workflow:///B/f > f")]
                public partial class {|#0:A|};

                [ApptainerTask(Command = "cat workflow:///A/f > f")]
                public partial class {|#1:B|};
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.DependencyCycle).WithLocation(0).WithArguments("A", "A -> B -> A"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.DependencyCycle).WithLocation(1).WithArguments("B", "B -> A -> B"));
        await test.RunAsync();
    }

    [Fact]
    public Task CycleThroughDependsOnAndReferencesIsReportedOnEveryTaskInIt() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "cat workflow:///C/f > f")]
            public partial class {|DAG002:A|};

            [ApptainerTask(Command = "true")]
            [DependsOn(typeof(A))]
            public partial class {|DAG002:B|};

            [ApptainerTask(Command = "true")]
            [DependsOn<B>]
            public partial class {|DAG002:C|};

            [ApptainerTask(Command = "cat workflow:///C/f")]
            public partial class OffTheCycle;
        """));

    [Fact]
    public Task TaskReferencingItsOwnOutputIsASelfDependency() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "cat workflow:///{|DAG003:A|}/f")]
            public partial class A;
        """));

    [Fact]
    public Task TaskDependingOnItselfIsReportedOnTheType() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true")]
            [DependsOn(typeof({|DAG003:A|}))]
            public partial class A;
        """));

    [Fact]
    public Task TaskWithoutImageInWorkflowWithoutDefaultIsReported() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true")]
            public partial class {|DAG004:A|};

            [ApptainerTask(Command = "true", Image = "docker://alpine:3")]
            public partial class B;
        """, "[Workflow(\"wf\")]"));

    [Theory]
    [InlineData("ftp://host/image.sif")]
    [InlineData("")]
    [InlineData("my image.sif")]
    [InlineData("docker://")]
    public Task MalformedTaskImageIsReportedOnTheArgument(string image) => AnalyzerTest.VerifyAsync(Workflow($$"""
            [ApptainerTask(Command = "true", Image = {|DAG005:"{{image}}"|})]
            public partial class A;
        """));

    [Fact]
    public Task MalformedDefaultImageIsReportedOnTheArgument() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true")]
            public partial class A;
        """, "[Workflow(\"wf\", DefaultImage = {|DAG005:\"s3://bucket/x.sif\"|})]"));

    [Fact]
    public async Task MissingLocalImageFileIsReportedAndAnExistingOneIsAccepted()
    {
        var project = Directory.CreateTempSubdirectory("dagon-analyzer-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(project, "images"));
            File.WriteAllText(Path.Combine(project, "images", "present.def"), "Bootstrap: docker\nFrom: alpine\n");
            await AnalyzerTest.VerifyAsync(Workflow("""
                    [ApptainerTask(Command = "true", Image = {|DAG006:"images/missing.sif"|})]
                    public partial class A;

                    [ApptainerTask(Command = "true", Image = "images/present.def")]
                    public partial class B;

                    [ApptainerTask(Command = "true", Image = "/opt/images/on-the-cluster.sif")]
                    public partial class C;
                """), project + "/");
        }
        finally
        {
            Directory.Delete(project, recursive: true);
        }
    }

    [Fact]
    public Task DuplicateTaskNamesAreReportedOnEach() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true")]
            public partial class {|DAG007:Same|};

            [ApptainerTask(Name = {|DAG007:"Same"|}, Command = "true")]
            public partial class Other;
        """));

    [Fact]
    public Task TaskClassThatIsNotPartialIsReported() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true")]
            public class {|DAG008:A|};
        """));

    [Fact]
    public Task WorkflowClassThatIsNotPartialIsReported() => AnalyzerTest.VerifyAsync("""
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public class {|DAG008:Flow|}
        {
            [ApptainerTask(Command = "true")]
            public partial class A;
        }
        """);

    [Fact]
    public Task TypeContainingAWorkflowThatIsNotPartialIsReported() => AnalyzerTest.VerifyAsync("""
        using Dagon;

        public static class {|DAG008:Outer|}
        {
            [Workflow("wf", DefaultImage = "docker://alpine:3")]
            public partial class Flow
            {
                [ApptainerTask(Command = "true")]
                public partial class A;
            }
        }
        """);

    [Fact]
    public Task TaskClassOutsideAWorkflowIsReported() => AnalyzerTest.VerifyAsync("""
        using Dagon;

        [ApptainerTask(Command = "true")]
        public partial class {|DAG009:Lonely|};

        public partial class NotAWorkflow
        {
            [ApptainerTask(Command = "true")]
            public partial class {|DAG009:Nested|};
        }
        """);

    [Fact]
    public Task DependsOnATypeThatIsNotATaskOfTheWorkflowIsReported() => AnalyzerTest.VerifyAsync("""
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public partial class Flow
        {
            [ApptainerTask(Command = "true")]
            [DependsOn(typeof({|DAG010:string|}))]
            [DependsOn<{|DAG010:Other.X|}>]
            [DependsOn(typeof({|DAG010:Helper|}))]
            public partial class A;

            public class Helper;
        }

        [Workflow("other", DefaultImage = "docker://alpine:3")]
        public partial class Other
        {
            [ApptainerTask(Command = "true")]
            public partial class X;
        }
        """);

    [Theory]
    [InlineData("/data")]
    [InlineData("/data:data")]
    [InlineData("/data:/data:rx")]
    [InlineData(":/data")]
    [InlineData("/a:/b:ro:extra")]
    [InlineData("")]
    [InlineData("/data:/mnt/b,/var/cache/dagon")]
    [InlineData("/src:/work")]
    [InlineData("/src:/work/sub:ro")]
    [InlineData("/src:/")]
    [InlineData("/src:/dagon/inputs/A")]
    public Task InvalidBindPathIsReportedOnTheElement(string bind) => AnalyzerTest.VerifyAsync(Workflow($$"""
            [ApptainerTask(Command = "true", BindPaths = new[] { "/ok:/ok:ro", {|DAG011:"{{bind}}"|} })]
            public partial class A;
        """));

    [Fact]
    public Task NullBindPathsAndEmptyArraysAreAccepted() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true", BindPaths = null)]
            public partial class A;

            [ApptainerTask(Command = "true", BindPaths = new string[0])]
            public partial class B;
        """));

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public Task OverlaySizeThatIsNotPositiveIsReported(string size) => AnalyzerTest.VerifyAsync(Workflow($$"""
            [ApptainerTask(Command = "true", OverlaySize = {|DAG012:{{size}}|})]
            public partial class A;
        """));

    [Fact]
    public async Task OverlaySizeBelowApptainersMinimumIsReportedAndTheMinimumIsNot()
    {
        // The runtime rejects the same sizes when the workflow is built (WorkflowValidationTests).
        var test = new AnalyzerTest(Workflow("""
                [ApptainerTask(Command = "true", OverlaySize = {|#0:63|})]
                public partial class A;

                [ApptainerTask(Command = "true", OverlaySize = 64)]
                public partial class B;
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.InvalidOverlaySize).WithLocation(0)
            .WithArguments("A", 63, "Apptainer needs at least 64 MB (or use WritableTmpfs for small scratch space)"));
        await test.RunAsync();
    }

    [Fact]
    public Task EmptyOrMissingCommandIsReported() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = {|DAG013:"  "|})]
            public partial class A;

            [{|DAG013:ApptainerTask(Image = "docker://alpine:3")|}]
            public partial class B;
        """));

    [Fact]
    public Task ReferenceToAWorkflowOutsideTheCompilationIsAWarning() => AnalyzerTest.VerifyAsync("""
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public partial class Flow
        {
            [ApptainerTask(Command = "cat workflow://elsewhere/{|DAG014:Task|}/f workflow://sibling/X/f workflow://wf/A/f")]
            public partial class B;

            [ApptainerTask(Command = "true")]
            public partial class A;
        }

        [Workflow("sibling", DefaultImage = "docker://alpine:3")]
        public partial class Sibling
        {
            [ApptainerTask(Command = "true")]
            public partial class X;
        }
        """);

    [Fact]
    public Task CommandComputedAtRunTimeIsReportedAsInformation() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask]
            public partial class A
            {
                public static string {|DAG015:BuildCommand|}() => "echo " + System.Environment.MachineName;
            }
        """));

    [Fact]
    public Task MalformedReferenceIsReported() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "cat {|DAG016:workflow:///|} && true")]
            public partial class A;
        """));

    [Fact]
    public Task ReferenceLeavingTheProducersFolderIsReported() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true")]
            public partial class A;

            [ApptainerTask(Command = "cat {|DAG016:workflow:///A/../../../../etc/hostname|} workflow:///A/a..b/ok")]
            public partial class B;
        """));

    [Fact]
    public Task TimeoutThatIsNotPositiveIsReported() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true", TimeoutSeconds = {|DAG017:0|})]
            public partial class A;
        """));

    [Fact]
    public Task EmptyWorkflowNameIsReported() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true")]
            public partial class A;
        """, "[Workflow({|DAG018:\"\"|}, DefaultImage = \"docker://alpine:3\")]"));

    [Fact]
    public Task TaskClassNamedLikeAGeneratedMemberIsReported() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true")]
            public partial class {|DAG019:Build|};
        """));

    [Fact]
    public Task StaticTaskClassIsReported() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true")]
            public static partial class {|DAG020:A|} { }
        """));

    [Fact]
    public Task TaskClassWithItsOwnBaseClassIsReported() => AnalyzerTest.VerifyAsync(Workflow("""
            public class Base;

            [ApptainerTask(Command = "true")]
            public partial class {|DAG020:A|} : Base;
        """));

    [Fact]
    public Task GenericWorkflowClassIsReported() => AnalyzerTest.VerifyAsync("""
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public partial class {|DAG020:Flow|}<T>
        {
            [ApptainerTask(Command = "true")]
            public partial class A;
        }
        """);

    [Theory]
    [InlineData("a/b")]
    [InlineData("two words")]
    [InlineData("")]
    [InlineData("x;y")]
    [InlineData("a\\u001b[31mred")]
    [InlineData("line\\nbreak")]
    public Task TaskNameThatCannotBeReferencedIsReported(string name) => AnalyzerTest.VerifyAsync(Workflow($$"""
            [ApptainerTask(Name = {|DAG021:"{{name}}"|}, Command = "true")]
            public partial class A;
        """));

    [Fact]
    public Task WorkflowNameThatCannotBeReferencedIsReported() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true")]
            public partial class A;
        """, "[Workflow({|DAG021:\"nightly/run\"|}, DefaultImage = \"docker://alpine:3\")]"));

    [Fact]
    public Task BatchTaskNeedsNoImageEvenWithoutADefaultImage() => AnalyzerTest.VerifyAsync(Workflow("""
            [BatchTask(Command = "echo 42 > n.txt")]
            public partial class Prepare;

            [ApptainerTask(Command = "cat workflow:///Prepare/n.txt")]
            public partial class {|DAG004:Transform|};
        """, "[Workflow(\"wf\")]"));

    [Fact]
    public async Task ClassWithBothTaskAttributesIsReportedOnTheSecondAttribute()
    {
        var test = new AnalyzerTest(Workflow("""
                [ApptainerTask(Command = "true")]
                [{|#0:BatchTask(Command = "true")|}]
                public partial class A;

                [BatchTask(Command = "true"), {|#1:ApptainerTask(Command = "true")|}]
                public partial class B;
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.ConflictingTaskKinds).WithLocation(0).WithArguments("A", "ApptainerTask"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.ConflictingTaskKinds).WithLocation(1).WithArguments("B", "BatchTask"));
        await test.RunAsync();
    }

    [Fact]
    public async Task UnknownTaskInABatchCommandIsReportedOnTheTaskName()
    {
        var test = new AnalyzerTest(Workflow("""
                [ApptainerTask(Command = "echo 1 > out.txt")]
                public partial class Prepare;

                [BatchTask(Command = "cat workflow:///{|#0:Prepar|}/out.txt")]
                public partial class Report;
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.UnknownTask)
            .WithLocation(0)
            .WithArguments("Report", "Prepar", "workflow:///Prepar/out.txt", "; did you mean 'Prepare'?"));
        await test.RunAsync();
    }

    [Fact]
    public async Task CycleThroughABatchAndAContainerTaskIsReportedOnBoth()
    {
        var test = new AnalyzerTest(Workflow("""
                [BatchTask(Command = "cat workflow:///Container/f > f")]
                public partial class {|#0:Batch|};

                [ApptainerTask(Command = "true")]
                [DependsOn<Batch>]
                public partial class {|#1:Container|};
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.DependencyCycle).WithLocation(0).WithArguments("Batch", "Batch -> Container -> Batch"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.DependencyCycle).WithLocation(1).WithArguments("Container", "Container -> Batch -> Container"));
        await test.RunAsync();
    }

    [Fact]
    public Task TaskChecksApplyToBatchTasks() => AnalyzerTest.VerifyAsync("""
        using Dagon;

        [Workflow("wf")]
        public partial class Flow
        {
            [BatchTask(Command = "cat workflow:///{|DAG003:Self|}/f")]
            public partial class Self;

            [BatchTask(Command = {|DAG013:" "|})]
            public partial class Empty;

            [{|DAG013:BatchTask(Host = "hpc")|}]
            public partial class Missing;

            [BatchTask(Command = "true", TimeoutSeconds = {|DAG017:-1|})]
            public partial class Slow;

            [BatchTask(Name = {|DAG021:"two words"|}, Command = "true")]
            public partial class Spaced;

            [BatchTask(Command = "true")]
            public class {|DAG008:NotPartial|};

            [BatchTask(Command = "true")]
            public partial class {|DAG007:Twice|};

            [BatchTask(Name = {|DAG007:"Twice"|}, Command = "true")]
            public partial class Again;

            [BatchTask(Command = "true")]
            public partial class {|DAG019:Configure|};

            [BatchTask(Command = "cat {|DAG016:workflow:///|}")]
            public partial class Bad;

            [BatchTask(Command = "true")]
            [DependsOn(typeof({|DAG010:string|}))]
            [DependsOn(typeof({|DAG003:Dep|}))]
            public partial class Dep;

            [BatchTask]
            public partial class Late
            {
                public static string {|DAG015:BuildCommand|}() => "date";
            }
        }

        [BatchTask(Command = "true")]
        public partial class {|DAG009:Lonely|};
        """);

    [Fact]
    public Task MixedWorkflowHasNoDiagnostics() => AnalyzerTest.VerifyAsync("""
        using Dagon;

        [Workflow("Mixed", DefaultImage = "tools.sif")]
        public partial class Mixed
        {
            [BatchTask(Command = "echo 42 > n.txt")] public partial class Prepare;
            [ApptainerTask(Command = "cat workflow:///Prepare/n.txt > m.txt")] public partial class Transform;
            [BatchTask(Command = "cat workflow:///Transform/m.txt", TmpDir = "/scratch", Remove = false, Host = "hpc", TimeoutSeconds = 60)]
            [DependsOn(typeof(Prepare))]
            public partial class Report;
        }
        """);

    [Fact]
    public Task DemoWorkflowHasNoDiagnostics() => AnalyzerTest.VerifyAsync("""
        using Dagon;

        [Workflow("DataFlow-Demo-Apptainer", DefaultImage = "docker://ubuntu:20.04")]
        public partial class DataflowDemo
        {
            [ApptainerTask(Command = "mkdir -p output && hostname > output/f1.txt", OverlaySize = 256)]
            public partial class A;

            [ApptainerTask(Command = "echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt")]
            public partial class B;

            [ApptainerTask(Image = "docker://alpine:3", Command = "cat workflow:///B/f2.txt > f3.txt",
                           BindPaths = new[] { "/data:/data:ro" }, TmpDir = "/scratch", Remove = false, Host = "hpc", TimeoutSeconds = 60)]
            [DependsOn(typeof(A))]
            public partial class D;
        }
        """);

    [Fact]
    public Task LargeValidWorkflowHasNoDiagnostics()
    {
        var tasks = new StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            var command = i == 0 ? "echo 0 > n" : $"cat workflow:///T{i - 1:D3}/n workflow:///T{i / 2:D3}/n > n";
            if (i == 1) command = "cat workflow:///T000/n > n";
            var dependsOn = i > 10 ? $"[DependsOn<T{i - 10:D3}>] " : string.Empty;
            tasks.Append($"    {dependsOn}[ApptainerTask(Command = \"{command}\", BindPaths = new[] {{ \"/d{i}:/d{i}:ro\" }})]\n    public partial class T{i:D3};\n");
        }

        return AnalyzerTest.VerifyAsync(Workflow(tasks.ToString()));
    }
}
