using System.Text.Json;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Running;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dagon.Dsl.Tests.Running;

public sealed class WorkflowRunnerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-runner-tests-").FullName;
    private readonly FakeExecutor _backend;

    public WorkflowRunnerTests() => _backend = new FakeExecutor(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private WorkflowRunner Runner(DagonOptions? options = null) => new(
        _backend,
        new InputStager(NullLogger<InputStager>.Instance, new PlaceTransfer(NullLogger<PlaceTransfer>.Instance)),
        Options.Create(options ?? new DagonOptions { MaxParallelism = 2 }),
        NullLoggerFactory.Instance);

    private static WorkflowBuilder Dataflow() => Workflow.Create("DataFlow")
        .DefaultImage("docker://busybox")
        .Task("A", "mkdir -p output && hostname > output/f1.txt")
        .Task("B", "cat workflow:///A/output/f1.txt > f2.txt")
        .Task("C", "cat workflow:///A/output/f1.txt > f2.txt")
        .Task("D", "cat workflow:///B/f2.txt workflow:///C/f2.txt > f3.txt");

    private static FakeExecutor.Behaviour Writes(string relativePath) => (execution, _, _) =>
    {
        var path = Path.Combine(execution.Workspace.WorkDir, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, execution.Task.Name);
        return Task.FromResult(TaskOutcome.Success);
    };

    [Fact]
    public async Task ReferencesAreStagedZeroCopyFromTheProducersWorkDir()
    {
        _backend.Behaviours["A"] = Writes("output/f1.txt");
        _backend.Behaviours["B"] = Writes("f2.txt");
        _backend.Behaviours["C"] = Writes("f2.txt");

        var result = await Runner().RunAsync(Dataflow().Remove(false).Build());

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal(0, result.ExitCode);
        var bWork = result["B"].Workspace!.WorkDir;
        var cWork = result["C"].Workspace!.WorkDir;
        Assert.Equal($"cat {bWork}/f2.txt {cWork}/f2.txt > f3.txt", _backend.RewrittenCommands["D"]);
        Assert.Equal("D", _backend.Ran.Last());
    }

    [Fact]
    public async Task MissingReferencedFileFailsConsumerNamingProducerAndPath()
    {
        var result = await Runner().RunAsync(Dataflow().Build());

        var b = result["B"].Outcome;
        Assert.Equal(TaskState.Failed, b.State);
        Assert.Contains("Task 'B' references 'workflow:///A/output/f1.txt', but task 'A' did not produce 'output/f1.txt'", b.Reason);
        Assert.Equal(TaskState.Skipped, result["D"].Outcome.State);
        Assert.False(result.Succeeded);
        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("B", _backend.Ran);
    }

    [Fact]
    public async Task FailedTaskFailsRunSkipsDependentsAndSummaryNamesIt()
    {
        _backend.Behaviours["A"] = Writes("output/f1.txt");
        _backend.Behaviours["B"] = (_, _, _) => Task.FromResult(TaskOutcome.Failed("command exited with code 3", 3, ["line one", "it broke"]));
        _backend.Behaviours["C"] = Writes("f2.txt");

        var result = await Runner().RunAsync(Dataflow().Build());

        Assert.Equal(TaskState.Succeeded, result["C"].Outcome.State);
        Assert.Equal(TaskState.Skipped, result["D"].Outcome.State);
        var summary = RunSummary.Format(result);
        Assert.Contains("Workflow FAILED", summary);
        Assert.Contains("Task 'B' failed: command exited with code 3", summary);
        Assert.Contains("    it broke", summary);
        Assert.Contains("Skipped (not run): D", summary);
        // A and C succeeded but a reader of each did not: their folders stay for --resume; B and D have nothing to reuse.
        Assert.Equal(["B", "D"], _backend.CleanedUp.Order());
    }

    [Fact]
    public async Task PreparationFailureStartsNoTask()
    {
        _backend.PreparationFailures["C"] = "image file '/x/missing.sif' does not exist";

        var result = await Runner().RunAsync(Dataflow().Build());

        Assert.Empty(_backend.Ran);
        Assert.Equal("Task 'C' could not be prepared: image file '/x/missing.sif' does not exist", result.SetupError);
        Assert.Equal(TaskState.Failed, result["C"].Outcome.State);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task CancellationCancelsRunningTasksAndStillCleansUp()
    {
        using var cancellation = new CancellationTokenSource();
        _backend.Behaviours["A"] = async (_, _, token) =>
        {
            cancellation.CancelAfter(50);
            await Task.Delay(TimeSpan.FromSeconds(30), token);
            return TaskOutcome.Success;
        };

        var result = await Runner().RunAsync(Dataflow().Build(), cancellation.Token).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(result.Cancelled);
        Assert.Equal(130, result.ExitCode);
        Assert.All(result.Tasks, t => Assert.Equal(TaskState.Cancelled, t.Outcome.State));
        Assert.Equal(4, _backend.CleanedUp.Count);
        Assert.False(Directory.Exists(result["A"].Workspace!.Root));
    }

    [Fact]
    public async Task JsonExportHasDagOnStarsShape()
    {
        var json = Path.Combine(_root, "run.json");
        _backend.Behaviours["A"] = Writes("output/f1.txt");
        _backend.Behaviours["B"] = (_, _, _) => Task.FromResult(TaskOutcome.Failed("exit 3", 3));
        _backend.Behaviours["C"] = Writes("f2.txt");

        var result = await Runner(new DagonOptions { JsonPath = json }).RunAsync(Dataflow().Build());

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = document.RootElement;
        Assert.Equal("DataFlow", root.GetProperty("name").GetString());
        Assert.Equal(result.Plan.RunId, root.GetProperty("id").GetString());
        var a = root.GetProperty("tasks").GetProperty("A");
        Assert.Equal("FINISHED", a.GetProperty("status").GetString());
        Assert.Equal(["B", "C"], a.GetProperty("nexts").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(a.GetProperty("prevs").EnumerateArray());
        Assert.Equal("apptainer", a.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, a.GetProperty("host").ValueKind);
        Assert.Equal("mkdir -p output && hostname > output/f1.txt", a.GetProperty("command").GetString());
        Assert.Equal(result["A"].Workspace!.Root, a.GetProperty("working_dir").GetString());
        var tasks = root.GetProperty("tasks");
        Assert.Equal("FAILED", tasks.GetProperty("B").GetProperty("status").GetString());
        Assert.Equal("SKIPPED", tasks.GetProperty("D").GetProperty("status").GetString());
        Assert.Equal(["B", "C"], tasks.GetProperty("D").GetProperty("prevs").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, a.GetProperty("attempts").GetInt32());
        Assert.False(a.GetProperty("reused").GetBoolean());
        Assert.Equal(0, tasks.GetProperty("D").GetProperty("attempts").GetInt32());
        // Indented, and commands stay readable (no \u0026 for &&).
        Assert.Contains("\n    \"A\": {\n      \"name\": \"A\",", await File.ReadAllTextAsync(json));
        Assert.Contains("\"command\": \"mkdir -p output && hostname > output/f1.txt\"", await File.ReadAllTextAsync(json));
    }

    [Fact]
    public async Task JsonExportOfSeveralWorkflowsIsAnArrayOfThem()
    {
        var json = Path.Combine(_root, "two.json");
        await Runner(new DagonOptions { JsonPath = json }).RunAsync(
            [Workflow.Create("One").DefaultImage("docker://x").Task("a", "true").Build(),
             Workflow.Create("Two").DefaultImage("docker://x").Task("b", "true").Build()]);

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        Assert.Equal(["One", "Two"], document.RootElement.EnumerateArray().Select(w => w.GetProperty("name").GetString()));
        Assert.Equal("FINISHED", document.RootElement[1].GetProperty("tasks").GetProperty("b").GetProperty("status").GetString());
    }

    [Fact]
    public async Task InvalidWorkflowIsRejectedBeforeAnythingRuns()
    {
        var one = Workflow.Create("One").DefaultImage("docker://x").Task("a", "cat workflow://Missing/b/f").Build();
        await Assert.ThrowsAsync<WorkflowValidationException>(() => Runner().RunAsync(one));
        Assert.Empty(_backend.Ran);
    }

    [Fact]
    public async Task JsonExportNamesTheHostATaskRunsOn()
    {
        var json = Path.Combine(_root, "hosts.json");
        await Runner(new DagonOptions { JsonPath = json }).RunAsync(Workflow.Create("H").DefaultImage("docker://x")
            .Task("Here", "true").Task("There", t => t.Command("true").OnHost("cluster")).Build());

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var tasks = document.RootElement.GetProperty("tasks");
        Assert.Equal(JsonValueKind.Null, tasks.GetProperty("Here").GetProperty("host").ValueKind);
        Assert.Equal("cluster", tasks.GetProperty("There").GetProperty("host").GetString());
    }
}
