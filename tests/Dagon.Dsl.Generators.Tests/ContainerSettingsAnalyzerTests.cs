using Dagon.Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;

namespace Dagon.Dsl.Generators.Tests;

/// <summary>DAG040-DAG043: a container task's isolation, GPU vendor, extra Apptainer options and pull policy, on their exact spans.</summary>
public class ContainerSettingsAnalyzerTests
{
    private static string Workflow(string tasks) => $$"""
        using Dagon;
        using Dagon.Model;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public partial class Flow
        {
        {{tasks}}
        }
        """;

    [Fact]
    public Task KnownSettingsAndSafeOptionsHaveNoDiagnostics() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "nvidia-smi", Isolation = ContainerIsolation.Contained, GpuVendor = GpuVendor.Nvidia,
                           ContainerOptions = new[] { "--bind", "/scratch:/scratch", "--hostname=n1", "--cleanenv" })]
            public partial class Gpu;

            [ApptainerTask(Command = "--threads 4", Runscript = true, Isolation = ContainerIsolation.Inherit, GpuVendor = GpuVendor.Amd)]
            public partial class Run;
        """));

    [Fact]
    public Task IsolationThatIsNoModeIsReportedOnItsValue() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true", Isolation = {|DAG040:(ContainerIsolation)9|})]
            public partial class A;
        """));

    [Fact]
    public Task GpuVendorThatIsNoVendorIsReportedOnItsValue() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true", GpuVendor = {|DAG041:(GpuVendor)7|})]
            public partial class A;
        """));

    [Fact]
    public Task PullPolicyThatIsNoPolicyIsReportedOnItsValue() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true", Pull = PullPolicy.Always)]
            public partial class Fresh;

            [ApptainerTask(Command = "true", Pull = {|DAG043:(PullPolicy)9|})]
            public partial class A;
        """));

    [Fact]
    public Task WorkflowPullPolicyThatIsNoPolicyIsReportedOnItsValue() => AnalyzerTest.VerifyAsync("""
        using Dagon;
        using Dagon.Model;

        [Workflow("wf", DefaultImage = "docker://alpine:3", Pull = {|DAG043:(PullPolicy)5|})]
        public partial class Flow
        {
            [ApptainerTask(Command = "true")]
            public partial class A;
        }
        """);

    [Fact]
    public Task PullOnABatchTaskDoesNotCompileAtItsName()
    {
        var test = new AnalyzerTest(Workflow("""
                [BatchTask(Command = "true", {|#0:Pull|} = PullPolicy.Always)]
                public partial class Stage;
            """));
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS0246").WithLocation(0));
        return test.RunAsync();
    }

    [Theory]
    [InlineData("\"--nv\", {|DAG042:\"--pwd\"|}, \"/x\"")]
    [InlineData("\"--bind\", {|DAG042:\"/host:/work\"|}")]
    [InlineData("{|DAG042:\"-B=/a:/dagon/inputs/A:ro\"|}")]
    [InlineData("{|DAG042:\"--overlay\"|}, \"/o.img\"")]
    [InlineData("{|DAG042:\"--writable-tmpfs\"|}")]
    [InlineData("\"--nv\", {|DAG042:\"stray-word\"|}")]
    [InlineData("{|DAG042:\"--bind\"|}")]
    public Task OptionsThatCollideWithTheEngineAreReportedOnTheElementAtFault(string options) => AnalyzerTest.VerifyAsync(Workflow($$"""
            [ApptainerTask(Command = "true", ContainerOptions = new[] { {{options}} })]
            public partial class A;
        """));

    [Fact]
    public Task IsolatingOptionsContradictInheritOnTheOption() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true", Isolation = ContainerIsolation.Inherit, ContainerOptions = new[] { "--nv", {|DAG042:"--cleanenv"|} })]
            public partial class A;
        """));

    [Fact]
    public Task ContainerSettingsOnABatchTaskDoNotCompileAtTheirNames()
    {
        var test = new AnalyzerTest(Workflow("""
                [BatchTask(Command = "true", {|#0:GpuVendor|} = GpuVendor.Nvidia, {|#1:Isolation|} = ContainerIsolation.Inherit, {|#2:Runscript|} = true)]
                public partial class Stage;
            """));
        for (var i = 0; i < 3; i++) test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS0246").WithLocation(i));
        return test.RunAsync();
    }
}
