using Dagon.Execution;
using Dagon.Hosting;
using Dagon.Running;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>Batch tasks as real host processes, alone and mixed with real Apptainer tasks.</summary>
[Collection(ApptainerCollection.Name)]
public sealed class NativeTaskTests(ApptainerFixture apptainer, ITestOutputHelper output) : IDisposable
{
    private readonly List<TestHost> _hosts = [];

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    private async Task<RunResult> RunAsync(WorkflowBuilder workflow, string? tmp = null, CancellationToken cancellationToken = default)
    {
        var host = new TestHost(output, apptainer.NewFolder("cache"), tmp ?? apptainer.NewFolder("tmp"));
        _hosts.Add(host);
        var result = await host.Runner.RunAsync(workflow.Build(), cancellationToken);
        output.WriteLine(RunSummary.Format(result));
        return result;
    }

    private static string Stdout(TaskResult task) => File.ReadAllText(task.Workspace!.StdoutPath);

    [Fact]
    public async Task BatchDataflowReadsProducersFilesInPlace()
    {
        var result = await RunAsync(Workflow.Create("batch").Remove(false)
            .BatchTask("A", "mkdir -p output && echo $((6 * 7)) > output/f1.txt")
            .BatchTask("B", "cat workflow:///A/output/f1.txt > f2.txt && echo b >> f2.txt")
            .BatchTask("C", "cat workflow:///A/output/f1.txt > f2.txt && echo c >> f2.txt")
            .BatchTask("D", "cat workflow:///B/f2.txt workflow:///C/f2.txt; realpath workflow:///A/output/f1.txt"));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        var a = Path.Combine(result["A"].Workspace!.WorkDir, "output", "f1.txt");
        Assert.Equal($"42\nb\n42\nc\n{a}\n", Stdout(result["D"]));
    }

    [Fact]
    public async Task MixedBatchAndContainerTasksPassFilesBothWays()
    {
        var result = await RunAsync(Workflow.Create("mixed").DefaultImage(apptainer.BusyboxSif).Remove(false)
            .BatchTask("prepare", "echo from-host > data.txt")
            .Task("transform", t => t.Command("tr a-z A-Z < workflow:///prepare/data.txt > upper.txt").WritableTmpfs())
            .BatchTask("report", "cat workflow:///transform/upper.txt workflow:///prepare/data.txt"));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal("FROM-HOST\nfrom-host\n", Stdout(result["report"]));
    }

    [Fact]
    public async Task FailingBatchTaskSkipsDependentsAndIndependentOnesFinish()
    {
        var result = await RunAsync(Workflow.Create("fail")
            .BatchTask("A", "echo a > a.txt")
            .BatchTask("B", "cat workflow:///A/a.txt >/dev/null; echo 'B broke' >&2; exit 3")
            .BatchTask("C", "sleep 0.3; cat workflow:///A/a.txt > c.txt")
            .BatchTask("D", "cat workflow:///B/x workflow:///C/c.txt"));

        Assert.Equal((TaskState.Failed, 3), (result["B"].Outcome.State, result["B"].Outcome.ExitCode));
        Assert.Equal(["B broke"], result["B"].Outcome.ErrorTail!);
        Assert.Equal(TaskState.Succeeded, result["C"].Outcome.State);
        Assert.Equal(TaskState.Skipped, result["D"].Outcome.State);
        Assert.Equal(1, result.ExitCode);
        // A's reader B failed, so A's folder is kept for --resume; B's is not (there is nothing in it to reuse).
        Assert.True(File.Exists(Path.Combine(result["A"].Workspace!.WorkDir, "a.txt")));
        Assert.False(Directory.Exists(result["B"].Workspace!.Root));
    }

    [Fact]
    public async Task TempFolderWithSpacesAndQuotesStillRewritesReferences()
    {
        var tmp = Path.Combine(apptainer.NewFolder("odd"), "my tmp 'dir' $x");
        Directory.CreateDirectory(tmp);
        var result = await RunAsync(Workflow.Create("odd").Remove(false)
            .BatchTask("A", "echo odd > f.txt")
            .BatchTask("B", "cat workflow:///A/f.txt"), tmp);

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.StartsWith(tmp, result["B"].Workspace!.Root, StringComparison.Ordinal);
        Assert.Equal("odd\n", Stdout(result["B"]));
    }

    [Fact]
    public async Task CancellationKillsTheWholeProcessTree()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
        var result = await RunAsync(Workflow.Create("cancel")
            .BatchTask("A", "sleep 401 & sleep 402; wait"), cancellationToken: cancellation.Token).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.Cancelled);
        Assert.Equal(TaskState.Cancelled, result["A"].Outcome.State);
        await Task.Delay(200);
        Assert.Empty(LocalApptainerTests.ProcessesRunning("sleep 401"));
        Assert.Empty(LocalApptainerTests.ProcessesRunning("sleep 402"));
    }

    [Fact]
    public async Task ManyIndependentTasksFanIntoOne()
    {
        var workflow = Workflow.Create("fan");
        for (var i = 0; i < 200; i++) workflow.BatchTask($"t{i}", $"echo {i} > n.txt");
        workflow.BatchTask("sum", string.Join(" ", Enumerable.Range(0, 200).Select(i => $"workflow:///t{i}/n.txt")) is var refs
            ? $"cat {refs} | awk '{{ s += $1 }} END {{ print s }}'"
            : "");

        var result = await RunAsync(workflow.Remove(false));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal($"{Enumerable.Range(0, 200).Sum()}\n", Stdout(result["sum"]));
    }

    [Fact]
    public async Task BatchTaskWithImageOrBindIsRejected()
    {
        var exception = Assert.Throws<WorkflowValidationException>(() => Workflow.Create("w")
            .BatchTask("A", "echo", t => t.Image("x.sif").Bind("/a:/b")).Build());
        Assert.Contains("Task 'A' is a batch task, which runs on the host: it takes no image ('x.sif')", exception.Errors);
        Assert.Contains("Task 'A' is a batch task, which runs on the host: bind paths do not apply", exception.Errors);
        await Task.CompletedTask;
    }
}
