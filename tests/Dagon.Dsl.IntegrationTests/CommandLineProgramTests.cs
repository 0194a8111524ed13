using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>The demo program's command line, run as a user runs it: a process with arguments, an exit code and output.</summary>
[Collection(ApptainerCollection.Name)]
public sealed class CommandLineProgramTests(ApptainerFixture apptainer, ITestOutputHelper output)
{
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "DataflowDemo.dll");

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunDemoAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Program);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        output.WriteLine(await stdout + await stderr);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A working folder, the work-directory parent and a fresh image cache: whatever a run makes shows up in them.</summary>
    private (string Folder, string Work, string Cache) Folders()
    {
        var folder = apptainer.NewFolder("cli");
        return (folder, Directory.CreateDirectory(Path.Combine(folder, "work")).FullName, Directory.CreateDirectory(Path.Combine(folder, "cache")).FullName);
    }

    private static void NothingRanOrWasBuilt(string work, string cache)
    {
        Assert.Empty(Directory.EnumerateFileSystemEntries(work));
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
    }

    [Fact]
    public async Task HelpListsSwitchesKeysTasksAndExitCodesAndRunsNothing()
    {
        var (folder, work, cache) = Folders();

        var (exitCode, stdout, _) = await RunDemoAsync(folder, "--help", "--tmp-dir", work, "--image-cache", cache);

        Assert.Equal(0, exitCode);
        Assert.StartsWith("Usage: DataflowDemo [switches]", stdout, StringComparison.Ordinal);
        Assert.Contains("  --tmp-dir DIR", stdout, StringComparison.Ordinal);
        Assert.Contains("[dagon] tmp_dir", stdout, StringComparison.Ordinal);
        Assert.Contains("  D  container  after B, C", stdout, StringComparison.Ordinal);
        Assert.Contains("  130  cancelled", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Starting workflow", stdout, StringComparison.Ordinal);
        NothingRanOrWasBuilt(work, cache);
    }

    [Fact]
    public async Task ReadmeSwitchTableIsWhatHelpPrints()
    {
        var (_, help, _) = await RunDemoAsync(apptainer.NewFolder("cli"), "--help");

        var readme = ReadmeSettingRows();
        Assert.Equal(Dagon.CommandLine.SettingSwitches.All.Count, readme.Count);
        Assert.Equal(HelpSettingRows(help), readme);
    }

    [Fact]
    public async Task ReadmeCommandTableIsWhatHelpPrints()
    {
        var (_, help, _) = await RunDemoAsync(apptainer.NewFolder("cli"), "--help");

        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var section = readme[readme.IndexOf("### Runs and clean", StringComparison.Ordinal)..readme.IndexOf("### Exit codes", StringComparison.Ordinal)];
        var rows = section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => string.Join(" | ", l.Trim('|', ' ').Split(" | ").Select(cell => cell.Trim().Trim('`')))).ToList();
        Assert.Equal(HelpCommandRows(help), rows);
    }

    [Fact]
    public async Task VersionPrintsTheProgramsAndTheEnginesVersions()
    {
        var (exitCode, stdout, _) = await RunDemoAsync(apptainer.NewFolder("cli"), "--version");

        Assert.Equal(0, exitCode);
        Assert.Matches(@"^DataflowDemo \S+ \(Dagon\.Dsl \S+\)\n$", stdout);
    }

    [Theory]
    [InlineData(new[] { "--tmp-dri", "/x" }, "unknown switch '--tmp-dri': did you mean --tmp-dir?")]
    [InlineData(new[] { "-j", "-3" }, "-j, --parallelism N: '-3' is not a whole number of 0 or more")]
    [InlineData(new[] { "--plan", "svg" }, "--plan: 'svg' is not one of text, mermaid, dot")]
    public async Task UsageErrorsExitTwoWithTheMessageAndRunNothing(string[] arguments, string message)
    {
        var (folder, work, cache) = Folders();

        var (exitCode, _, stderr) = await RunDemoAsync(folder, [.. arguments, "--tmp-dir", work, "--image-cache", cache]);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Contains("Run 'DataflowDemo --help' to see every switch.", stderr, StringComparison.Ordinal);
        NothingRanOrWasBuilt(work, cache);
    }

    [Fact]
    public async Task PlanAloneDrawsTheDagMarkingSkippedTasksAndRunsNothing()
    {
        var (folder, work, cache) = Folders();

        var (exitCode, stdout, _) = await RunDemoAsync(folder, "--plan", "--target", "B", "--tmp-dir", work, "--image-cache", cache);

        Assert.Equal(0, exitCode);
        Assert.Equal("Plan of DataFlow-Demo-Apptainer: 4 tasks, 2 to run, 2 skipped\nrun   A\nrun   ├── B\nskip  │   └── D\nskip  └── C\nskip      └── D  (see above)\n", stdout);
        NothingRanOrWasBuilt(work, cache);
    }

    [Fact]
    public async Task SkippingATaskThatAnotherNeedsExitsTwoNamingBoth()
    {
        var (folder, work, cache) = Folders();

        var (exitCode, stdout, _) = await RunDemoAsync(folder, "--skip", "B", "--tmp-dir", work, "--image-cache", cache);

        Assert.Equal(2, exitCode);
        Assert.Contains("cannot skip 'B': 'D' needs it", stdout, StringComparison.Ordinal);
        NothingRanOrWasBuilt(work, cache);
    }

    [Fact]
    public async Task TargetRunsOnlyTheTaskAndWhatItNeedsInRealContainers()
    {
        var folder = apptainer.NewFolder("cli");

        var (exitCode, stdout, _) = await RunDemoAsync(folder, "--target", "B", "--json", "run.json");

        Assert.Equal(0, exitCode);
        Assert.Contains("Selected 2 of 4 tasks; left out: C, D", stdout, StringComparison.Ordinal);
        Assert.Equal(["A", "B"], Regex.Matches(stdout, @"\[(\w)\] Task completed successfully").Select(m => m.Groups[1].Value).Order());
        using var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "run.json")));
        // The JSON is the whole workflow, as DagOnStar writes it; the tasks left out were never started.
        Assert.Equal(["A:FINISHED", "B:FINISHED", "C:READY", "D:READY"],
            json.RootElement.GetProperty("tasks").EnumerateObject().Select(t => $"{t.Name}:{t.Value.GetProperty("status").GetString()}"));
    }

    [Fact]
    public async Task DryRunOfTheDemoPassesWithoutRunningOrBuilding()
    {
        var (folder, work, cache) = Folders();

        var (exitCode, stdout, _) = await RunDemoAsync(folder, "--dry-run", "--tmp-dir", work, "--image-cache", cache);

        Assert.Equal(0, exitCode);
        Assert.Contains("this machine: Apptainer at ", stdout, StringComparison.Ordinal);
        Assert.Contains("dataflow.def (for A, B, C, D) on this machine: definition file exists; would be built", stdout, StringComparison.Ordinal);
        Assert.Contains("Dry run passed: a real run could start", stdout, StringComparison.Ordinal);
        NothingRanOrWasBuilt(work, cache);
    }

    [Fact]
    public async Task DryRunListsEveryProblemAndExitsOne()
    {
        var (folder, work, cache) = Folders();

        var (exitCode, stdout, _) = await RunDemoAsync(folder, "--dry-run", "--apptainer", "/opt/nowhere/apptainer",
            "--image", Path.Combine(folder, "missing.sif"), "--tmp-dir", work, "--image-cache", cache);

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  apptainer: command not found: '/opt/nowhere/apptainer'", stdout, StringComparison.Ordinal);
        Assert.Contains($"FAIL  image {folder}/missing.sif (for A, B, C, D) on this machine: image file '{folder}/missing.sif' does not exist", stdout, StringComparison.Ordinal);
        Assert.Contains("Dry run FAILED: 2 problems; a real run could not start", stdout, StringComparison.Ordinal);
        NothingRanOrWasBuilt(work, cache);
    }

    [Fact]
    public async Task DryRunOfAnImageWhoseRegistryDoesNotAnswerFails()
    {
        var (folder, work, cache) = Folders();

        var (exitCode, stdout, _) = await RunDemoAsync(folder, "--dry-run", "--image", "docker://127.0.0.1:9/dagon/none:1", "--tmp-dir", work, "--image-cache", cache);

        Assert.Equal(1, exitCode);
        Assert.Contains("would pull 'docker://127.0.0.1:9/dagon/none:1' from this machine, but the registry does not answer it: 127.0.0.1:9 did not answer",
            stdout, StringComparison.Ordinal);
        NothingRanOrWasBuilt(work, cache);
    }

    [Fact]
    public async Task DryRunOfAnInvalidWorkflowExitsTwo()
    {
        var (folder, work, cache) = Folders();

        var (exitCode, stdout, _) = await RunDemoAsync(folder, "--dry-run", "--image", "ftp://example/x.sif", "--tmp-dir", work, "--image-cache", cache);

        Assert.Equal(2, exitCode);
        Assert.Contains("unknown scheme 'ftp://'", stdout, StringComparison.Ordinal);
        NothingRanOrWasBuilt(work, cache);
    }

    /// <summary>(switch, key, default) of each setting line of --help: columns are separated by two spaces or more.</summary>
    private static List<string> HelpSettingRows(string help)
    {
        var lines = help.Split('\n');
        var start = Array.IndexOf(lines, "Settings:") + 2;
        return lines.Skip(start).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("  *", StringComparison.Ordinal))
            .Where(l => !l.StartsWith("      ", StringComparison.Ordinal))
            .Select(l => string.Join(" | ", Regex.Split(l.Trim(), @"\s{2,}"))).ToList();
    }

    /// <summary>(command, meaning) of each line of help's Commands section; a switch line is named with its command.</summary>
    private static List<string> HelpCommandRows(string help)
    {
        var lines = help.Split('\n');
        var rows = new List<string>();
        var command = "";
        foreach (var line in lines.SkipWhile(l => !l.StartsWith("Commands (", StringComparison.Ordinal)).Skip(1).TakeWhile(l => l.Length > 0))
        {
            var cells = Regex.Split(line.Trim(), @"\s{2,}");
            if (cells.Length != 2) continue; // the closing note
            if (!line.StartsWith("    ", StringComparison.Ordinal)) command = cells[0];
            rows.Add((line.StartsWith("    ", StringComparison.Ordinal) ? command + " " + cells[0] : cells[0]) + " | " + cells[1]);
        }

        return rows;
    }

    private static List<string> ReadmeSettingRows()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var section = readme[readme.IndexOf("### Settings", StringComparison.Ordinal)..readme.IndexOf("### What runs", StringComparison.Ordinal)];
        return section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => Regex.Split(l.Trim('|', ' ').Replace("\\|", "\u0001", StringComparison.Ordinal), @"\s*\|\s*")
                .Take(3).Select(cell => cell.Trim('`').Replace("\u0001", "|", StringComparison.Ordinal)))
            .Select(cells => string.Join(" | ", cells)).ToList();
    }

    private static string RepositoryRoot()
    {
        for (var directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Dagon.Dsl.sln"))) return directory;
        }

        throw new InvalidOperationException("Cannot find the repository root from " + AppContext.BaseDirectory);
    }
}
