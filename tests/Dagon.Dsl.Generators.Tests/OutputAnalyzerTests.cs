using Dagon.Dsl.CodeFixes;
using Dagon.Dsl.Generators.Tests.Infrastructure;

namespace Dagon.Dsl.Generators.Tests;

/// <summary>DAG050: a reference to a file its producer does not declare, on the path's exact span, and its code fix.</summary>
public class OutputAnalyzerTests
{
    private static string Workflow(string tasks) => $$"""
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public partial class Flow
        {
        {{tasks}}
        }
        """;

    [Fact]
    public Task DeclaredPathsGlobsAndFoldersAndProducersWithoutDeclarationsHaveNoDiagnostics() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true", Outputs = new[] { "output/f1.txt", "results/*.csv" })]
            public partial class A;

            [ApptainerTask(Command = "true")]
            public partial class Free;

            [ApptainerTask(Command = "cat workflow:///A/output/f1.txt workflow:///A/results/x.csv; ls workflow:///A/results workflow:///A; cat workflow:///Free/any.txt")]
            public partial class B;
        """));

    [Fact]
    public Task AnUndeclaredPathIsReportedOnItsCharacters() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true", Outputs = new[] { "output/f1.txt", "results/*.csv" })]
            public partial class A;

            [ApptainerTask(Command = "cat workflow:///A/{|DAG050:output/f2.txt|} workflow:///A/{|DAG050:results/deeper/x.csv|} > out")]
            public partial class B;
        """));

    [Fact]
    public Task TheCodeFixDeclaresThePathOnTheProducer() => CodeFixTest<DeclareOutputCodeFixProvider>.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true", Outputs = new[] { "f1.txt" })]
            public partial class A;

            [ApptainerTask(Command = "cat workflow:///A/{|DAG050:f2.txt|} > out")]
            public partial class B;
        """), Workflow("""
            [ApptainerTask(Command = "true", Outputs = new[] { "f1.txt", "f2.txt" })]
            public partial class A;

            [ApptainerTask(Command = "cat workflow:///A/f2.txt > out")]
            public partial class B;
        """));
}
