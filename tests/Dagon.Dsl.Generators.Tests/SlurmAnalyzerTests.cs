using Dagon.Dsl.Analyzers;
using Dagon.Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;

namespace Dagon.Dsl.Generators.Tests;

public class SlurmAnalyzerTests
{
    private static string Workflow(string tasks, string attribute = "[Workflow(\"wf\", DefaultImage = \"docker://alpine:3\")]") => $$"""
        using Dagon;
        using Dagon.Model;

        {{attribute}}
        public partial class Flow
        {
        {{tasks}}
        }
        """;

    [Theory]
    [InlineData("2h")]
    [InlineData("1:2:3:4")]
    [InlineData("1-25")]
    [InlineData("10:61")]
    [InlineData("0")]
    [InlineData("")]
    public Task MalformedTimeIsReportedOnTheValue(string time) => AnalyzerTest.VerifyAsync(Workflow($$"""
            [ApptainerTask(Command = "true", Scheduler = Scheduler.Slurm, Time = {|DAG030:"{{time}}"|})]
            public partial class A;
        """));

    [Theory]
    [InlineData("30")]
    [InlineData("30:15")]
    [InlineData("01:30:00")]
    [InlineData("2-12")]
    [InlineData("2-12:30")]
    [InlineData("2-12:30:15")]
    public Task EverySlurmTimeFormatIsAccepted(string time) => AnalyzerTest.VerifyAsync(Workflow($$"""
            [BatchTask(Command = "true", Time = "{{time}}", Cpus = 2, MemoryMb = 512, Gpus = 1, Nodes = 1, TasksPerNode = 1,
                Partition = "debug", Account = "a", Qos = "normal", SlurmOptions = ["--constraint=x", "--exclusive"])]
            public partial class A;
        """));

    [Fact]
    public async Task NonPositiveCountsAreReportedOnEachValue()
    {
        var test = new AnalyzerTest(Workflow("""
                [BatchTask(Command = "true", Cpus = {|#0:0|}, MemoryMb = {|#1:-5|}, Gpus = {|#2:0|}, Nodes = {|#3:0|}, TasksPerNode = {|#4:-1|})]
                public partial class A;
            """));
        string[] what = ["CPUs", "MB of memory", "GPUs", "nodes", "tasks per node"];
        int[] values = [0, -5, 0, 0, -1];
        for (var i = 0; i < what.Length; i++)
        {
            test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.NonPositiveSlurmCount).WithLocation(i)
                .WithArguments("A", values[i], what[i], "it must be positive"));
        }

        await test.RunAsync();
    }

    [Fact]
    public async Task EngineOwnedOptionIsReportedOnItsElement()
    {
        var test = new AnalyzerTest(Workflow("""
                [ApptainerTask(Command = "true", SlurmOptions = ["--exclusive", {|#0:"--output=x.log"|}, {|#1:"-J name"|}, {|#2:"partition=x"|}])]
                public partial class A;
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.InvalidSlurmOption).WithLocation(0)
            .WithArguments("A", "'--output=x.log' is set by the engine (--output); remove it"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.InvalidSlurmOption).WithLocation(1)
            .WithArguments("A", "'-J name' is set by the engine (-J); remove it"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.InvalidSlurmOption).WithLocation(2)
            .WithArguments("A", "'partition=x' is not an option (it must start with '-'; write values as --name=value)"));
        await test.RunAsync();
    }

    [Fact]
    public Task OptionsThatOnlyStartLikeEngineOptionsAreAccepted() => AnalyzerTest.VerifyAsync(Workflow("""
            [BatchTask(Command = "true", SlurmOptions = ["--output-format=x", "--errors", "--exclusive", "-N2"])]
            public partial class A;
        """));

    [Fact]
    public async Task ResourcesOnATaskStartedDirectlyAreReportedOnTheFirstResource()
    {
        var test = new AnalyzerTest(Workflow("""
                [BatchTask(Command = "true", Scheduler = Scheduler.Direct, Partition = {|#0:"debug"|}, Cpus = 2)]
                public partial class A;
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.SlurmResourcesOnDirectTask).WithLocation(0)
            .WithArguments("A", "it is started"));
        await test.RunAsync();
    }

    [Fact]
    public async Task ResourcesUnderADirectWorkflowAreReportedUnlessTheTaskChoosesSlurm()
    {
        var test = new AnalyzerTest(Workflow("""
                [ApptainerTask(Command = "true", Cpus = {|#0:4|})]
                public partial class A;

                [ApptainerTask(Command = "true", Scheduler = Scheduler.Slurm, Cpus = 4)]
                public partial class B;

                [ApptainerTask(Command = "true")]
                public partial class C;
            """, "[Workflow(\"wf\", DefaultImage = \"docker://alpine:3\", Scheduler = Scheduler.Direct)]"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.SlurmResourcesOnDirectTask).WithLocation(0)
            .WithArguments("A", "its workflow starts it"));
        await test.RunAsync();
    }

    [Fact]
    public Task ResourcesWithoutAnySchedulerAreAcceptedBecauseDagonIniMayChooseSlurm() => AnalyzerTest.VerifyAsync(Workflow("""
            [ApptainerTask(Command = "true", Cpus = 4, Time = "10")]
            public partial class A;
        """));
}
