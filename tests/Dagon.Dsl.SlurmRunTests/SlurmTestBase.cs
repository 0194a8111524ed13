using System.Text.RegularExpressions;
using Dagon.Dsl.IntegrationTests;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Xunit.Abstractions;

namespace Dagon.Dsl.SlurmRunTests;

/// <summary>Runs workflows with the real runtime against the real local Slurm; each test gets its own folders.</summary>
public abstract partial class SlurmTestBase(SlurmFixture slurm, ITestOutputHelper output) : IDisposable
{
    private readonly List<TestHost> _hosts = [];

    protected SlurmFixture Slurm => slurm;

    protected ITestOutputHelper Output => output;

    /// <summary>A host whose tasks run as Slurm jobs unless they say otherwise; Slurm is polled every half second.</summary>
    protected TestHost Host(Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["dagon:scheduler"] = "slurm",
            ["slurm:poll_interval_seconds"] = "0.5",
            ["slurm:max_poll_interval_seconds"] = "4",
        };
        foreach (var (key, value) in settings ?? []) values[key] = value;
        var host = new TestHost(output, slurm.Apptainer.NewFolder("cache"), slurm.Apptainer.NewFolder("tmp"), values);
        _hosts.Add(host);
        return host;
    }

    protected WorkflowBuilder Busybox(string name) => Workflow.Create(name).DefaultImage(slurm.Apptainer.BusyboxSif).Remove(false);

    protected async Task<RunResult> RunAsync(WorkflowBuilder workflow, TestHost? host = null, CancellationToken cancellationToken = default)
    {
        var result = await (host ?? Host()).Runner.RunAsync(workflow.Build(), cancellationToken);
        output.WriteLine(RunSummary.Format(result));
        return result;
    }

    protected static string Stdout(TaskResult task) => File.ReadAllText(task.Workspace!.StdoutPath);

    /// <summary>The counts the run logged: "Slurm on this machine: N sbatch calls, M status calls, K scancel calls".</summary>
    protected static (int Sbatch, int Status, int Scancel) Calls(TestHost host)
    {
        var line = host.Log.Last(l => l.StartsWith("Slurm on this machine:", StringComparison.Ordinal));
        var match = CallsPattern().Match(line);
        return (int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value), int.Parse(match.Groups[3].Value));
    }

    /// <summary>How many of the run's jobs squeue still lists.</summary>
    protected static Task<int> QueuedAsync(RunResult result) => SlurmFixture.QueuedAsync($"dagon-{result.Plan.RunId}-");

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    [GeneratedRegex(@"(\d+) sbatch calls, (\d+) status calls, (\d+) scancel calls")]
    private static partial Regex CallsPattern();
}
