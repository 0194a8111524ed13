using System.Diagnostics;
using System.Globalization;
using Dagon.Bench;
using Dagon.Containers;
using Dagon.Images;
using Dagon.Model;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: dotnet run -c Release --project bench/Dagon.Bench -- [--runs N] [--smoke]
// Every workload runs beside its floor (the same work with no engine) in the same process, interleaved, so that the
// ratios hold on a noisy machine. --smoke runs tiny sizes once, to keep this code working in CI.
var smoke = args.Contains("--smoke");
var runs = smoke ? 1 : int.Parse(Arg("--runs") ?? "5", CultureInfo.InvariantCulture);
var scale = smoke ? 20 : 1;
var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
var scratch = Directory.CreateTempSubdirectory("dagon-bench-").FullName;
File.SetUnixFileMode(scratch, (UnixFileMode)0b111_111_111);
var snakemake = !smoke && Which("snakemake");
var only = Arg("--only")?.Split(',') ?? ["W1", "W1seed", "W2", "W3", "cold", "P1", "J"];

Console.WriteLine($"Dagon.Dsl benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {runs} runs each{(smoke ? " (smoke)" : "")}");

// The demo's Debian image, built once into the machine's image cache (the warm case), like every workload's image.
var definition = ImageSource.Parse(Path.Combine(root, "samples", "DataflowDemo", "dataflow.def"));
var apptainer = Dagon.Processes.ExecutableSearch.Find("apptainer") ?? throw ApptainerNotFoundException.OnThisMachine("apptainer");
var access = new Dagon.LocalFiles.ContainerUserAccess(Dagon.LocalFiles.ContainerUser.Resolve(null, "apptainer"));
var cache = new ImageCache(new ApptainerOptions(), access, NullLogger<ImageCache>.Instance);
var image = (await cache.PrepareAsync(definition, apptainer, CancellationToken.None)).Path;
var workloads = new Workloads(scratch, image, scale);

var rows = new List<string[]>();
if (only.Contains("W1")) await Measure("W1 dataflow, 4 apptainer execs", workloads.W1Floor, workloads.W1Engine, null);
if (only.Contains("W1seed")) await Measure("W1 DagOnStar semantics (overlay/task)", workloads.W1SeedFloor, workloads.W1SeedEngine, null);
if (only.Contains("W2")) await Measure($"W2 {1000 / scale} no-op native + 1, -j2", workloads.W2Floor, workloads.W2Engine, snakemake ? workloads.W2Snakemake : null);
if (only.Contains("W3")) await Measure($"W3 chain of {200 / scale} native tasks", workloads.W3Floor, workloads.W3Engine, snakemake ? workloads.W3Snakemake : null);

if (!smoke && only.Contains("cold"))
{
    // Cold image cache: the same W1, but the image is built from its definition first (exactly one build).
    var coldCache = Path.Combine(scratch, "cold-cache");
    var cold = Stopwatch.StartNew();
    var built = await new ImageCache(new ApptainerOptions { ImageCacheDir = coldCache }, access, NullLogger<ImageCache>.Instance)
        .PrepareAsync(definition, apptainer, CancellationToken.None);
    var coldBuild = cold.Elapsed;
    var coldRun = await new Workloads(scratch, built.Path, 1).W1Engine();
    rows.Add(["W1 cold image cache (1 build)", "-", Seconds(coldBuild + coldRun), "-", "-", "-", "-"]);
}

Console.WriteLine();
Print(["workload", "floor median", "engine median (min-max)", "engine/floor", "processor time floor / engine (ratio)", "snakemake median",
    "engine/snakemake"], rows);

Console.WriteLine();
Console.WriteLine("P1: engine only (plan, schedule, report), in-process no-op tasks, layered DAG (width 100, 2 edges per task), " +
                  "without and with the journal (same sizes interleaved)");
var p1Rows = new List<string[]>();
var p1Measures = new List<(int Tasks, bool Journal, Workloads.EngineOnlyRun Run)>();
var p1Runs = smoke ? new[] { (2_000, false), (2_000, true) }
    : only.Contains("P1") ? Enumerable.Repeat(new[] { (10_000, false), (10_000, true) }, runs).SelectMany(r => r).Append((1_000_000, false)).ToArray() : [];
// Warm-up, not counted, as for the W workloads: the first run in a process pays for compiling the engine's code.
if (p1Runs.Length > 0) await Workloads.EngineOnly(1_000, 100, scratch, journal: true);
foreach (var (tasks, journal) in p1Runs)
{
    var p1 = await Workloads.EngineOnly(tasks, 100, scratch, journal);
    p1Measures.Add((tasks, journal, p1));
    p1Rows.Add([tasks.ToString("N0", CultureInfo.InvariantCulture), journal ? "on" : "off", Seconds(p1.Elapsed),
        $"{p1.Elapsed.TotalMicroseconds / tasks:F2} µs", $"{p1.ProcessorTime.TotalMicroseconds / tasks:F2} µs",
        $"{p1.AllocatedBytes / tasks:N0} B", $"{p1.GcPause.TotalMicroseconds / tasks:F2} µs", $"{p1.PeakBytes / 1024.0 / 1024.0:F0} MB",
        $"{Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0:F0} MB"]);
}

Print(["tasks", "journal", "wall", "per task", "processor time per task", "allocated per task", "GC pause per task",
    "managed heap growth", "process peak RSS"], p1Rows);
foreach (var group in p1Measures.Where(m => m.Tasks == 10_000).GroupBy(m => m.Journal))
{
    var wall = group.Select(m => m.Run.Elapsed.TotalMicroseconds / m.Tasks).ToList();
    var processor = group.Select(m => m.Run.ProcessorTime.TotalMicroseconds / m.Tasks).ToList();
    var allocated = group.Select(m => (double)m.Run.AllocatedBytes / m.Tasks).ToList();
    Console.WriteLine($"  P1 10,000 tasks, journal {(group.Key ? "on" : "off")}, medians (min-max) per task: wall {Median(wall):F1} µs " +
                      $"({wall.Min():F1}-{wall.Max():F1}), processor time {Median(processor):F1} µs ({processor.Min():F1}-{processor.Max():F1}), " +
                      $"allocated {Median(allocated):N0} B");
}

if (only.Contains("J"))
{
    Console.WriteLine();
    Console.WriteLine("J: the journal (SQLite, WAL) and --resume");
    var recordTasks = smoke ? 500 : 10_000;
    var resumeTasks = smoke ? 50 : 1_000;
    var perRecord = new List<double>();
    var grouped = new List<double>();
    for (var i = 0; i < runs; i++)
    {
        perRecord.Add(JournalWorkloads.RecordPerTask(scratch, recordTasks, grouped: false).TotalMicroseconds);
        grouped.Add(JournalWorkloads.RecordPerTask(scratch, recordTasks, grouped: true).TotalMicroseconds);
    }

    var resumes = new List<double>();
    var firsts = new List<double>();
    for (var i = 0; i < runs; i++)
    {
        var (first, resume) = await JournalWorkloads.ResumeComplete(scratch, resumeTasks);
        firsts.Add(first.TotalSeconds);
        resumes.Add(resume.TotalSeconds);
    }

    Print(["measure", "median (min-max)"], [
        [$"J1 journal cost per recorded task, {recordTasks:N0} tasks, one transaction each", $"{Median(perRecord):F1} µs ({perRecord.Min():F1}-{perRecord.Max():F1})"],
        [$"J1 the same, group commit (as a run writes them)", $"{Median(grouped):F1} µs ({grouped.Min():F1}-{grouped.Max():F1})"],
        [$"J2 first run, {resumeTasks:N0} batch tasks with an output, -j2", $"{Median(firsts):F2} s ({firsts.Min():F2}-{firsts.Max():F2})"],
        [$"J2 --resume deciding the same run is complete", $"{Median(resumes):F2} s ({resumes.Min():F2}-{resumes.Max():F2})"],
    ]);
}

Directory.Delete(scratch, recursive: true);
return 0;

async Task Measure(string name, Func<Task<TimeSpan>> floor, Func<Task<TimeSpan>> engine, Func<Task<TimeSpan>>? peer)
{
    await engine(); // warm-up: JIT and page cache, not counted
    var floors = new List<double>();
    var engines = new List<double>();
    var peers = new List<double>();
    var floorCpu = new List<double>();
    var engineCpu = new List<double>();
    for (var i = 0; i < runs; i++)
    {
        floors.Add((await WithCpu(floor, floorCpu)).TotalSeconds);
        engines.Add((await WithCpu(engine, engineCpu)).TotalSeconds);
        if (peer is not null) peers.Add((await peer()).TotalSeconds);
    }

    var engineMedian = Median(engines);
    rows.Add([name, $"{Median(floors):F2} s", $"{engineMedian:F2} s ({engines.Min():F2}-{engines.Max():F2})",
        $"{engineMedian / Median(floors):F2}x",
        $"{Median(floorCpu):F2} / {Median(engineCpu):F2} s ({Median(engineCpu) / Median(floorCpu):F2}x)",
        peers.Count > 0 ? $"{Median(peers):F2} s" : "-",
        peers.Count > 0 ? $"{engineMedian / Median(peers):F2}x" : "-"]);
    Console.WriteLine($"  {name}: floor {Median(floors):F2} s, engine {engineMedian:F2} s; processor time floor {Median(floorCpu):F2} s, engine {Median(engineCpu):F2} s");
}

// The processor time of a workload: this process's and that of the processes it started (see CpuTime).
static async Task<TimeSpan> WithCpu(Func<Task<TimeSpan>> workload, List<double> cpu)
{
    var before = CpuTime.Now();
    var elapsed = await workload();
    cpu.Add((CpuTime.Now() - before).TotalSeconds);
    return elapsed;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static string Seconds(TimeSpan time) => $"{time.TotalSeconds:F2} s";

static void Print(string[] header, List<string[]> rows)
{
    var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
    Console.WriteLine("| " + string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))) + " |");
    Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
    foreach (var row in rows) Console.WriteLine("| " + string.Join(" | ", row.Select((c, i) => c.PadRight(widths[i]))) + " |");
}

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

static bool Which(string command) =>
    (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, command)));
