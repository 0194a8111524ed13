using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>The demo program, run as a user runs it: a process with arguments, an exit code and console output.</summary>
[Collection(ApptainerCollection.Name)]
public sealed class DataflowDemoProgramTests(ApptainerFixture apptainer, ITestOutputHelper output)
{
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "DataflowDemo.dll");

    private async Task<(int ExitCode, string Output)> RunDemoAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Program);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // The first run on a machine builds the Debian demo image (about a minute); later runs reuse it.
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        var text = await stdout + await stderr;
        output.WriteLine(text);
        return (process.ExitCode, text);
    }

    [Fact]
    public async Task DemoRunsEndToEndAndDPrintsAsLineTwice()
    {
        var directory = apptainer.NewFolder("demo");
        var json = Path.Combine(directory, "run.json");

        var (exitCode, text) = await RunDemoAsync(directory, "--json", json);

        Assert.Equal(0, exitCode);
        var hostname = Environment.MachineName;
        var dLines = text.Split('\n').Where(l => l.Contains(" [D] ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(" [D] ", StringComparison.Ordinal) + 5)..].Trim())
            .Where(l => !l.StartsWith("Task ", StringComparison.Ordinal) && !l.StartsWith("Published ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, dLines.Count);
        Assert.Equal(2, dLines.Count(l => l == hostname));
        Assert.All(dLines.Where(l => l != hostname), l => Assert.Matches("^[0-9]+$", l));
        Assert.Contains("Workflow completed successfully", text);
        Assert.Contains("Total wall time:", text);

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var tasks = document.RootElement.GetProperty("tasks");
        Assert.Equal(["A", "B", "C", "D"], tasks.EnumerateObject().Select(t => t.Name));
        Assert.All(tasks.EnumerateObject(), t => Assert.Equal("FINISHED", t.Value.GetProperty("status").GetString()));
        Assert.All(tasks.EnumerateObject(), t => Assert.False(Directory.Exists(t.Value.GetProperty("working_dir").GetString())));

        // D's f3.txt outlives its work folder in results/, and every task's log in the run's folder under .dagon/.
        Assert.Equal(dLines.Select(l => l + "\n"), File.ReadAllLines(Path.Combine(directory, "results", "f3.txt")).Select(l => l + "\n"));
        var logs = Directory.GetDirectories(Path.Combine(directory, ".dagon", "runs")).Single();
        Assert.Equal(["A.err", "A.out", "B.err", "B.out", "C.err", "C.out", "D.err", "D.out"],
            Directory.GetFiles(Path.Combine(logs, "logs")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task CtrlCDuringImageBuildStopsTheBuildAndLeavesNoHalfImage()
    {
        var directory = apptainer.NewFolder("demo");
        var cache = apptainer.NewFolder("cold-cache");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Program, "--image-cache", cache }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var text = new System.Text.StringBuilder();
        var building = new TaskCompletionSource();
        void Collect(string? line)
        {
            if (line is null) return;
            lock (text) text.AppendLine(line);
            if (line.Contains("Building SIF image from:", StringComparison.Ordinal)) building.TrySetResult();
        }

        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        await building.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2)); // well into debootstrap
        Assert.NotEmpty(LocalApptainerTests.ProcessesRunning(cache));
        Assert.Equal(0, Kill(process.Id, 2 /* SIGINT */));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(text.ToString());

        Assert.Equal(130, process.ExitCode);
        Assert.Contains("SIGINT received: cancelling the run", text.ToString());
        Assert.Contains("Workflow cancelled", text.ToString());
        await Task.Delay(500);
        Assert.Empty(LocalApptainerTests.ProcessesRunning(cache));
        Assert.Empty(Directory.GetFiles(cache, "*.sif"));
        Assert.Empty(Directory.GetFiles(cache, "*.partial"));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [Fact]
    public async Task MissingApptainerExitsNonZeroAndSaysHowToInstallIt()
    {
        var (exitCode, text) = await RunDemoAsync(apptainer.NewFolder("demo"), "--apptainer", "/opt/nowhere/apptainer");

        Assert.Equal(1, exitCode);
        Assert.Contains("apptainer: command not found: '/opt/nowhere/apptainer'", text);
        Assert.Contains("scripts/setup-apptainer.sh", text);
        Assert.Contains("Workflow FAILED", text);
    }

    [Fact]
    public async Task MalformedImageOverrideIsRejectedBeforeAnythingRuns()
    {
        var (exitCode, text) = await RunDemoAsync(apptainer.NewFolder("demo"), "--image", "ftp://example/x.sif");

        Assert.Equal(2, exitCode);
        Assert.Contains("unknown scheme 'ftp://'", text);
        Assert.DoesNotContain("Executing in container", text);
    }

    [Fact]
    public async Task BadSettingInDagonIniIsNamed()
    {
        var directory = apptainer.NewFolder("demo");
        await File.WriteAllTextAsync(Path.Combine(directory, "dagon.ini"), "[dagon]\nmax_parallelism = lots\n");

        var (exitCode, text) = await RunDemoAsync(directory);

        Assert.Equal(2, exitCode);
        Assert.Contains("lots", text);
        Assert.Contains("max_parallelism", text);
    }
}
