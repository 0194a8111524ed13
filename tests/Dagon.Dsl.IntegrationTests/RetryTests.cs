using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>Retries chosen by failure kind, on real Apptainer containers and real batch processes.</summary>
[Collection(ApptainerCollection.Name)]
public sealed class RetryTests(ApptainerFixture apptainer, ITestOutputHelper output) : IDisposable
{
    private readonly List<TestHost> _hosts = [];
    private readonly string _count = apptainer.NewFolder("count");

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    private async Task<RunResult> RunAsync(WorkflowBuilder workflow, Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?> { ["dagon:state_dir"] = apptainer.NewFolder("state"), ["dagon:retry_delay"] = "0.05" };
        foreach (var (key, value) in settings ?? []) values[key] = value;
        var host = new TestHost(output, apptainer.NewFolder("cache"), apptainer.NewFolder("tmp"), values);
        _hosts.Add(host);
        var result = await host.Runner.RunAsync(workflow.Build());
        output.WriteLine(RunSummary.Format(result));
        return result;
    }

    private string Log => string.Join('\n', _hosts[^1].Log);

    private string[] Tries(string name) => File.Exists(Path.Combine(_count, name)) ? File.ReadAllLines(Path.Combine(_count, name)) : [];

    [Fact]
    public async Task AContainerThatTimesOutOnceIsRetriedForTimeoutWhileAnExitCodeIsNotRetriedForOutOfMemory()
    {
        // Both counters live in a bound folder, so they outlast each attempt's emptied work folder.
        var result = await RunAsync(Workflow.Create("kinds").DefaultImage(apptainer.BusyboxSif)
            .Task("slow-once", t => t.Command("echo try >> /count/slow; [ $(wc -l < /count/slow) -ge 2 ] || sleep 60; echo done")
                .Bind($"{_count}:/count").NoOverlay().Timeout(TimeSpan.FromSeconds(4)).Retries(2, RetryOn.Timeout))
            .Task("exits", t => t.Command("echo try >> /count/exits; exit 3")
                .Bind($"{_count}:/count").NoOverlay().Retries(2, RetryOn.OutOfMemory)));

        Assert.Equal(TaskState.Succeeded, result["slow-once"].Outcome.State);
        Assert.Equal(2, result["slow-once"].Timings.Attempts);
        Assert.Equal(2, Tries("slow").Length);
        Assert.Equal(FailureKind.Timeout, result["slow-once"].Timings.LastFailure);
        Assert.Contains("[slow-once] Attempt 1 failed (timeout: timed out after 4 s; the container was killed)", Log, StringComparison.Ordinal);

        Assert.Equal(TaskState.Failed, result["exits"].Outcome.State);
        Assert.Equal(FailureKind.ExitCode, result["exits"].Outcome.Failure);
        Assert.Equal(3, result["exits"].Outcome.ExitCode);
        Assert.Equal(1, result["exits"].Timings.Attempts);
        Assert.Single(Tries("exits"));
        Assert.Contains("[exits] Not retried: it failed with exit-code, and it is retried only for out-of-memory", Log, StringComparison.Ordinal);
        Assert.Contains("Retried: slow-once (2 attempts; attempt 1: timeout)", RunSummary.Format(result), StringComparison.Ordinal);
    }

    /// <summary>
    /// A real kernel OOM kill: the first attempt moves its shell into a memory cgroup limited to 64 MB and allocates
    /// 200 MB, so the kernel's OOM killer sends SIGKILL; the second attempt stays outside it. Needs root and the cgroup
    /// v1 memory controller at /sys/fs/cgroup/memory (this machine has both).
    /// </summary>
    [Fact]
    public async Task ABatchTaskKilledByTheKernelsOomKillerIsOutOfMemoryAndRetriedForIt()
    {
        const string controller = "/sys/fs/cgroup/memory";
        if (!File.Exists(Path.Combine(controller, "cgroup.procs")))
        {
            Assert.Fail($"This test needs the cgroup v1 memory controller mounted writable at {controller} and root; neither is there.");
        }

        var cgroup = Path.Combine(controller, $"dagon-oom-{Guid.NewGuid():N}");
        Directory.CreateDirectory(cgroup);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(cgroup, "memory.limit_in_bytes"), (64 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
            var tries = Path.Combine(_count, "oom");
            var result = await RunAsync(Workflow.Create("oom").BatchTask("greedy",
                $"echo try >> {tries}; [ $(wc -l < {tries}) -ge 2 ] || echo $$ > {cgroup}/cgroup.procs; " +
                "python3 -c 'x = bytearray(200 * 1024 * 1024); print(len(x))'",
                t => t.Retries(1, RetryOn.OutOfMemory)));

            Assert.Equal(TaskState.Succeeded, result["greedy"].Outcome.State);
            Assert.Equal(2, result["greedy"].Timings.Attempts);
            Assert.Equal(FailureKind.OutOfMemory, result["greedy"].Timings.LastFailure);
            Assert.Contains("[greedy] Attempt 1 failed (out-of-memory: command exited with code 137", Log, StringComparison.Ordinal);
            Assert.Equal("1", (await File.ReadAllTextAsync(Path.Combine(cgroup, "memory.oom_control"))).Split('\n')
                .Single(l => l.StartsWith("oom_kill ", StringComparison.Ordinal))["oom_kill ".Length..]);
        }
        finally
        {
            Directory.Delete(cgroup);
        }
    }

    [Fact]
    public async Task TheRunsRetryOnAppliesToTasksThatChooseNothingAndATasksOwnChoiceWins()
    {
        var result = await RunAsync(Workflow.Create("run-choice")
                .BatchTask("plain", $"echo try >> {_count}/plain; exit 3", t => t.Retries(2))
                .BatchTask("own", $"echo try >> {_count}/own; [ $(wc -l < {_count}/own) -ge 2 ] || exit 75", t => t.Retries(2, 75)),
            new Dictionary<string, string?> { ["dagon:retry_on"] = "timeout, out-of-memory" });

        Assert.Equal(TaskState.Failed, result["plain"].Outcome.State);
        Assert.Single(Tries("plain"));
        Assert.Equal(TaskState.Succeeded, result["own"].Outcome.State);
        Assert.Equal(2, Tries("own").Length);
    }

    [Fact]
    public async Task ARetryOnSettingThatNamesNoKindStopsTheRunBeforeAnythingRuns()
    {
        var exception = await Assert.ThrowsAsync<Dagon.Running.InvalidRunSettingException>(() => RunAsync(
            Workflow.Create("bad").BatchTask("never", $"echo ran >> {_count}/never"),
            new Dictionary<string, string?> { ["dagon:retry_on"] = "timeout, oom" }));

        Assert.Contains("retry_on = timeout, oom in [dagon] (--retry-on): 'oom' is neither an exit code nor one of", exception.Message, StringComparison.Ordinal);
        Assert.Empty(Tries("never"));
    }
}
