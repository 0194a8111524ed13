using Dagon.Dsl.Generators.Tests.Infrastructure;

namespace Dagon.Dsl.Generators.Tests;

public class RetryAnalyzerTests
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
    public Task AnExitCodeNoProcessEndsWithIsReportedOnThatElement() => AnalyzerTest.VerifyAsync(Workflow("""
            [BatchTask(Command = "true", Retries = 2, RetryOnExitCodes = new[] { 75, {|DAG051:0|}, {|DAG051:256|} })]
            public partial class A;
        """));

    [Fact]
    public Task ARetryOnValueThatIsNoKindIsReportedOnTheArgument() => AnalyzerTest.VerifyAsync(Workflow("""
            [BatchTask(Command = "true", Retries = 1, RetryOn = {|DAG051:(RetryOn)64|})]
            public partial class A;
        """));

    [Fact]
    public Task KindsAndExitCodesThatCanHappenAreAccepted() => AnalyzerTest.VerifyAsync(Workflow("""
            [BatchTask(Command = "true", Retries = 2, RetryOn = RetryOn.Timeout | RetryOn.LostConnection | RetryOn.NodeFailure | RetryOn.OutOfMemory,
                RetryOnExitCodes = [1, 75, 255])]
            public partial class A;
            [BatchTask(Command = "true", RetryOn = RetryOn.OutOfMemory)]
            public partial class B;
        """));
}
