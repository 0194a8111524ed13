using System.Diagnostics;
using Dagon.Execution;
using Dagon.Hosting;
using Dagon.Model;
using Dagon.Running;
using Dagon.Scheduling;
using Dagon.Staging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dagon.Bench;

/// <summary>The workloads of the benchmark, each as the engine runs it and as the same work runs with no engine.</summary>
internal sealed class Workloads(string scratch, string image, int scale)
{
    private int _counter;

    private string NewDir(string name)
    {
        var path = Path.Combine(scratch, $"{name}-{Interlocked.Increment(ref _counter)}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        return path;
    }

    private async Task<TimeSpan> Engine(WorkflowBuilder workflow, int parallelism, string? overlay = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["dagon:tmp_dir"] = NewDir("engine"),
            // The run's logs, JSON and journal go to scratch too, not to the .dagon folder of wherever the bench runs.
            ["dagon:state_dir"] = NewDir("state"),
            ["dagon:max_parallelism"] = parallelism.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["apptainer:overlay"] = overlay,
        };
        var (elapsed, result) = await TimedRun(workflow.Build(), settings);
        if (!result.Succeeded) throw new InvalidOperationException("engine run failed:\n" + Reporting.RunSummary.Format(result));
        return elapsed;
    }

    /// <summary>One run through the engine as a program gets it (AddDagon, with these settings), timed from plan to summary.</summary>
    public static async Task<(TimeSpan Elapsed, RunResult Result)> TimedRun(WorkflowDefinition definition, Dictionary<string, string?> settings)
    {
        using var services = new ServiceCollection()
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .AddDagon(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
        var stopwatch = Stopwatch.StartNew();
        var result = await services.GetRequiredService<WorkflowRunner>().RunAsync(definition);
        return (stopwatch.Elapsed, result);
    }

    private static async Task<TimeSpan> Shell(string script, string directory)
    {
        var stopwatch = Stopwatch.StartNew();
        var start = new ProcessStartInfo("/bin/bash") { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = stopwatch.Elapsed;
        if (process.ExitCode != 0) throw new InvalidOperationException($"floor script failed ({process.ExitCode}): {await stderr}");
        return elapsed;
    }

    private const string A = "mkdir -p output && hostname > output/f1.txt";
    private const string BC = "echo $RANDOM > f2.txt && cat workflow:///A/output/f1.txt >> f2.txt";
    private const string D = "cat workflow:///B/f2.txt >> f3.txt && cat workflow:///C/f2.txt >> f3.txt && cat f3.txt";

    private WorkflowBuilder Dataflow() => Workflow.Create("W1").DefaultImage(image)
        .Task("A", A).Task("B", BC).Task("C", BC).Task("D", D);

    /// <summary>W1: the dataflow with no overlay: one exec per task, references as read-only binds.</summary>
    public Task<TimeSpan> W1Engine() => Engine(Dataflow(), 2, "None");

    public Task<TimeSpan> W1Floor()
    {
        var dir = NewDir("w1floor");
        var exec = $"apptainer -s exec --bind {dir}:/w --pwd /w {image} /bin/bash -c";
        return Shell($"""
            {exec} 'mkdir -p A/output && hostname > A/output/f1.txt'
            {exec} 'mkdir -p B && echo $RANDOM > B/f2.txt && cat A/output/f1.txt >> B/f2.txt' &
            {exec} 'mkdir -p C && echo $RANDOM > C/f2.txt && cat A/output/f1.txt >> C/f2.txt' &
            wait
            {exec} 'mkdir -p D && cat B/f2.txt >> D/f3.txt && cat C/f2.txt >> D/f3.txt && cat D/f3.txt'
            """, dir);
    }

    /// <summary>W1 with DagOnStar's semantics: a 1024 MB overlay per task and staged references.</summary>
    public Task<TimeSpan> W1SeedEngine() => Engine(Dataflow(), 2);

    public Task<TimeSpan> W1SeedFloor()
    {
        var dir = NewDir("w1seed");
        string Task(string name, string command, params string[] inputs) =>
            $"mkdir -p {name} && chmod 777 {name} && apptainer overlay create --size 1024 {name}.img && apptainer -s exec --overlay {name}.img " +
            $"--bind {dir}/{name}:/work --pwd /work {string.Concat(inputs.Select(i => $"--bind {dir}/{i}:/in/{i}:ro "))}{image} /bin/bash -c '{command}'";
        return Shell($"""
            {Task("A", A)}
            {Task("B", BC.Replace("workflow:///", "/in/", StringComparison.Ordinal), "A")} &
            {Task("C", BC.Replace("workflow:///", "/in/", StringComparison.Ordinal), "A")} &
            wait
            {Task("D", D.Replace("workflow:///", "/in/", StringComparison.Ordinal), "B", "C")}
            """, dir);
    }

    /// <summary>W2: many independent no-op native tasks plus one that depends on all of them, two at a time.</summary>
    public Task<TimeSpan> W2Engine()
    {
        var workflow = Workflow.Create("W2");
        var names = new string[1000 / scale];
        for (var i = 0; i < names.Length; i++) workflow.BatchTask(names[i] = $"t{i}", "true");
        workflow.BatchTask("last", "true", t => t.DependsOn(names));
        return Engine(workflow, 2);
    }

    public Task<TimeSpan> W2Floor() => Shell($"seq {1000 / scale} | xargs -P2 -I{{}} sh -c true && sh -c true", NewDir("w2floor"));

    /// <summary>W3: a chain of native tasks, each copying its predecessor's file.</summary>
    public Task<TimeSpan> W3Engine()
    {
        var workflow = Workflow.Create("W3").BatchTask("t0", "echo 0 > f");
        for (var i = 1; i < 200 / scale; i++) workflow.BatchTask($"t{i}", $"cat workflow:///t{i - 1}/f > f");
        return Engine(workflow, 2);
    }

    public Task<TimeSpan> W3Floor() => Shell($"echo 0 > f0; for i in $(seq 1 {200 / scale - 1}); do cat f$((i-1)) > f$i; done", NewDir("w3floor"));

    /// <summary>The same W2 in Snakemake (greedy scheduler, 2 jobs), for the side-by-side ratio.</summary>
    public Task<TimeSpan> W2Snakemake()
    {
        var dir = NewDir("w2smk");
        File.WriteAllText(Path.Combine(dir, "Snakefile"), $$"""
            N = {{1000 / scale}}
            rule all:
                input: "last.txt"
            rule last:
                input: expand("t{i}.txt", i=range(N))
                output: "last.txt"
                shell: "true > {output}"
            rule t:
                output: "t{i}.txt"
                shell: "true > {output}"
            """);
        return Shell("snakemake -j2 --scheduler greedy -q > /dev/null 2>&1", dir);
    }

    public Task<TimeSpan> W3Snakemake()
    {
        var dir = NewDir("w3smk");
        File.WriteAllText(Path.Combine(dir, "Snakefile"), $$"""
            N = {{200 / scale}}
            rule all:
                input: f"f{N - 1}.txt"
            rule first:
                output: "f0.txt"
                shell: "echo 0 > {output}"
            rule step:
                input: lambda w: f"f{int(w.i) - 1}.txt"
                output: "f{i,[1-9][0-9]*}.txt"
                shell: "cat {input} > {output}"
            """);
        return Shell("snakemake -j2 --scheduler greedy -q > /dev/null 2>&1", dir);
    }

    /// <summary>
    /// P1: the engine alone (plan, schedule, stage, report) on in-process no-op tasks in a layered DAG, with the
    /// journal or without it. Either way the run's logs and JSON go to a state folder of its own under
    /// <paramref name="scratch"/>, never to the <c>.dagon</c> folder of the directory the benchmark runs from.
    /// </summary>
    public static async Task<EngineOnlyRun> EngineOnly(int tasks, int width, string scratch, bool journal)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var processorBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var pauseBefore = GC.GetTotalPauseDuration();
        var stopwatch = Stopwatch.StartNew();
        var definition = Layered(tasks, width);
        var runner = new WorkflowRunner(new NoopExecutor(), new InputStager(Microsoft.Extensions.Logging.Abstractions.NullLogger<InputStager>.Instance,
                new PlaceTransfer(Microsoft.Extensions.Logging.Abstractions.NullLogger<PlaceTransfer>.Instance)),
            Microsoft.Extensions.Options.Options.Create(new DagonOptions
            {
                MaxParallelism = 2, KeepsJournal = journal, StateDir = Path.Combine(scratch, $"p1-state-{Guid.NewGuid():N}"),
            }),
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var result = await runner.RunAsync(definition);
        var elapsed = stopwatch.Elapsed;
        var processor = Process.GetCurrentProcess().TotalProcessorTime - processorBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var pause = GC.GetTotalPauseDuration() - pauseBefore;
        var peak = GC.GetGCMemoryInfo().HeapSizeBytes - before;
        if (!result.Succeeded) throw new InvalidOperationException("P1 failed");
        GC.KeepAlive(result);
        return new EngineOnlyRun(elapsed, processor, allocated, pause, Math.Max(peak, GC.GetTotalMemory(false) - before));
    }

    /// <summary>
    /// What one P1 run cost: wall time, the processor time of this process (which another tenant's load moves less),
    /// the bytes allocated (which no load moves, and which decide how often the garbage collector stops the run), the
    /// time the run stood still for the collector, and the growth of the managed heap.
    /// </summary>
    public sealed record EngineOnlyRun(TimeSpan Elapsed, TimeSpan ProcessorTime, long AllocatedBytes, TimeSpan GcPause, long PeakBytes);

    // Built in its own method so that the builder is garbage once the definition exists, as in a real program.
    private static WorkflowDefinition Layered(int tasks, int width)
    {
        var workflow = Workflow.Create("P1").DefaultImage("docker://noop");
        for (var i = 0; i < tasks; i++)
        {
            var layer = i / width;
            var index = i;
            workflow.Task($"t{i}", t =>
            {
                t.Command("noop");
                if (layer > 0) t.DependsOn($"t{index - width}", $"t{(layer - 1) * width + (index + 1) % width}");
            });
        }

        return workflow.Build();
    }

    /// <summary>Runs nothing: what remains is the engine's own cost per task.</summary>
    private sealed class NoopExecutor : ITaskExecutor
    {
        private static readonly Dagon.Places.Local.LocalPlace Local = new(new Dagon.LocalFiles.ContainerUserAccess(null));

        public Task<Preparation> PrepareAsync(ExecutionPlan plan, DagonOptions options, CancellationToken cancellationToken)
        {
            var run = new RunState(plan, options);
            for (var i = 0; i < plan.Tasks.Count; i++)
            {
                run.Places[i] = Local;
                run.Workspaces[i] = new TaskWorkspace("/nonexistent/" + i);
            }

            return Task.FromResult(new Preparation(run, []));
        }

        public Task<TaskOutcome> RunAsync(TaskExecution execution, CancellationToken cancellationToken) => Task.FromResult(TaskOutcome.Success);
        public Task CleanupAsync(PlannedTask task, RunState run, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task FinishAsync(RunState run, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
