using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// Real signals to a real engine process (tests/Dagon.Dsl.SignalTarget) while a real container and a batch task with
/// a detached child run: whatever kills the engine, nothing it started may keep running, and what it leaves on disk
/// is removed by the next run.
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class EngineDeathTests(ApptainerFixture apptainer, ITestOutputHelper output)
{
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "Dagon.Dsl.SignalTarget.dll");

    private sealed class Engine(Process process, StringBuilder text) : IDisposable
    {
        public Process Process => process;

        public string Output
        {
            get
            {
                lock (text) return text.ToString();
            }
        }

        public async Task WaitForAsync(Func<string, bool> condition, string what)
        {
            var stopwatch = Stopwatch.StartNew();
            while (!condition(Output))
            {
                if (process.HasExited) throw new InvalidOperationException($"the engine exited ({process.ExitCode}) before {what}:\n{Output}");
                if (stopwatch.Elapsed > TimeSpan.FromSeconds(90)) throw new TimeoutException($"no {what} within 90 s:\n{Output}");
                await Task.Delay(100);
            }
        }

        public void Dispose()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }

    private Engine Start(string tmp, string marker, string? mode = null, string? cache = null, string? image = null, int? overlayMb = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in new[] { Program, "--tmp-dir", tmp, "--image-cache", cache ?? apptainer.NewFolder("cache"), "--remove", "true" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DAGON_TEST_IMAGE"] = image ?? apptainer.BusyboxSif;
        if (overlayMb is { } size) start.Environment["DAGON_TEST_OVERLAY_MB"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["DAGON_TEST_MARKER"] = marker;
        if (mode is not null) start.Environment["DAGON_TEST_MODE"] = mode;
        var process = Process.Start(start)!;
        var text = new StringBuilder();
        void Collect(string? line)
        {
            if (line is null) return;
            lock (text) text.AppendLine(line);
        }

        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Engine(process, text);
    }

    /// <summary>Process ids whose command line contains <paramref name="fragment"/>.</summary>
    private static List<int> ProcessesWith(string fragment)
    {
        var found = new List<int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid)) continue;
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(fragment, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (IOException)
            {
            }
        }

        return found;
    }

    private static async Task<List<int>> SurvivorsAsync(string fragment)
    {
        for (var i = 0; i < 100; i++)
        {
            if (ProcessesWith(fragment).Count == 0) return [];
            await Task.Delay(100);
        }

        return ProcessesWith(fragment);
    }

    private static async Task<bool> AppearsAsync(string fragment)
    {
        for (var i = 0; i < 100; i++)
        {
            if (ProcessesWith(fragment).Any(IsSleep)) return true;
            await Task.Delay(100);
        }

        return false;
    }

    private static bool IsSleep(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").StartsWith("sleep\0", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string Marker() => Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Task StartedAsync(Engine engine) =>
        engine.WaitForAsync(o => o.Contains("[Container] started", StringComparison.Ordinal) && o.Contains("[Batch] started", StringComparison.Ordinal),
            "both tasks running");

    [Fact]
    public async Task Sigkill_leaves_no_container_or_batch_process_and_the_next_run_removes_the_abandoned_folder()
    {
        var tmp = apptainer.NewFolder("tmp");
        var marker = Marker();
        using var engine = Start(tmp, marker);
        await StartedAsync(engine);
        var runFolder = Directory.GetDirectories(tmp, "dagon-*").Single();
        // The container's sleep, the batch task's, and the child the batch task detached. Each task prints "started"
        // before its sleep starts, so on a busy machine the line can arrive first: wait for them to appear.
        foreach (var sleep in new[] { "1", "2", "3" }) Assert.True(await AppearsAsync($"sleep {marker}{sleep}"), $"no sleep {marker}{sleep} running");
        var apptainerHelpers = ProcessesWith(runFolder); // squashfuse, fuse-overlayfs... mention the task's folder
        Assert.NotEmpty(apptainerHelpers);

        engine.Process.Kill(); // SIGKILL: the engine runs no code of its own any more
        await engine.Process.WaitForExitAsync();

        Assert.Empty(await SurvivorsAsync($"sleep {marker}"));
        Assert.Empty(await SurvivorsAsync(runFolder));
        Assert.True(Directory.Exists(runFolder), "a SIGKILLed engine cannot clean up; the next run does");

        using var next = Start(tmp, Marker(), mode: "quick");
        await next.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine(next.Output);
        Assert.Equal(0, next.Process.ExitCode);
        Assert.Contains($"Removed the folder of an abandoned run: {runFolder}", next.Output);
        Assert.False(Directory.Exists(runFolder));
    }

    [Fact]
    public async Task A_live_runs_folder_is_never_swept_by_a_concurrent_run()
    {
        var tmp = apptainer.NewFolder("tmp");
        using var live = Start(tmp, Marker());
        await StartedAsync(live);
        var liveFolder = Directory.GetDirectories(tmp, "dagon-*").Single();

        using var other = Start(tmp, Marker(), mode: "quick");
        await other.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(0, other.Process.ExitCode);
        Assert.True(Directory.Exists(liveFolder));
        Assert.DoesNotContain("abandoned run", other.Output);
        Assert.Equal("started\n", File.ReadAllText(Path.Combine(liveFolder, "Container", "stdout.log")));
        live.Process.Kill();
    }

    [Theory]
    [InlineData("HUP", 129)]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public async Task A_stopping_signal_cancels_cleans_up_prints_the_summary_and_exits_with_its_code(string signal, int exitCode)
    {
        var tmp = apptainer.NewFolder("tmp");
        var marker = Marker();
        using var engine = Start(tmp, marker);
        await StartedAsync(engine);
        var runFolder = Directory.GetDirectories(tmp, "dagon-*").Single();

        await ApptainerFixture.Run("kill", "-" + signal, engine.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await engine.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        output.WriteLine(engine.Output);

        Assert.Equal(exitCode, engine.Process.ExitCode);
        Assert.Contains("Workflow cancelled", engine.Output);
        Assert.Contains($"SIG{signal} received", engine.Output);
        Assert.Empty(await SurvivorsAsync($"sleep {marker}"));
        Assert.Empty(await SurvivorsAsync(runFolder));
        Assert.False(Directory.Exists(runFolder));
    }

    [Fact]
    public async Task Sigint_while_the_first_overlay_template_is_made_leaves_no_half_made_file()
    {
        var cache = apptainer.NewFolder("cache");
        using var engine = Start(apptainer.NewFolder("tmp"), Marker(), mode: "overlay", cache: cache, overlayMb: 8192);
        await engine.WaitForAsync(o => o.Contains("Creating 8192MB overlay template", StringComparison.Ordinal), "the template being made");

        await ApptainerFixture.Run("kill", "-INT", engine.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await engine.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        output.WriteLine(engine.Output);

        Assert.Equal(130, engine.Process.ExitCode);
        // Either the template was finished before the signal came (then it is whole, under its own name) or it is gone.
        Assert.Empty(Directory.GetFiles(cache, "*.partial"));
        Assert.Empty(Directory.GetFiles(cache, ".*.partial"));
    }

    [Fact]
    public async Task Sigkill_during_an_image_build_leaves_no_build_running_and_the_next_run_sweeps_what_it_left()
    {
        var cache = apptainer.NewFolder("cache");
        var folder = apptainer.NewFolder("def");
        await File.WriteAllTextAsync(Path.Combine(folder, "marker.txt"), "built\n");
        var definition = Path.Combine(folder, $"killed{Marker()}.def");
        await File.WriteAllTextAsync(definition, $"Bootstrap: localimage\nFrom: {apptainer.BusyboxSif}\n\n%files\n    ./marker.txt /marker\n");
        using var engine = Start(apptainer.NewFolder("tmp"), Marker(), mode: "overlay", cache: cache, image: definition);
        await engine.WaitForAsync(o => o.Contains("Building SIF image from", StringComparison.Ordinal), "the build");
        await Task.Delay(300); // apptainer is under way

        engine.Process.Kill();
        await engine.Process.WaitForExitAsync();
        Assert.Empty(await SurvivorsAsync(Path.GetFileName(definition)));

        using var next = Start(apptainer.NewFolder("tmp"), Marker(), mode: "overlay", cache: cache, image: definition);
        await next.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine(next.Output);
        Assert.Equal(0, next.Process.ExitCode);
        Assert.DoesNotContain(Directory.GetFileSystemEntries(cache, ".*"),
            e => e.EndsWith(".partial", StringComparison.Ordinal) || Path.GetFileName(e).StartsWith(".build-", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(cache, "killed*.sif"));
    }
}
