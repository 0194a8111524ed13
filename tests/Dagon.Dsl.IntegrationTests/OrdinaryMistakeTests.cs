using System.Diagnostics;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Running;
using Dagon.Scheduling;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>
/// Mistakes users make every day and what a task may do to the engine, on real processes and real Apptainer: each
/// ends in a clear message naming the task, file or setting, and nothing is left running or half-written.
/// </summary>
[Collection(ApptainerCollection.Name)]
public sealed class OrdinaryMistakeTests(ApptainerFixture apptainer, ITestOutputHelper output) : IDisposable
{
    private readonly List<TestHost> _hosts = [];

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    private TestHost Host(string? tmp = null, Dictionary<string, string?>? settings = null)
    {
        var host = new TestHost(output, apptainer.NewFolder("cache"), tmp ?? apptainer.NewFolder("tmp"), settings);
        _hosts.Add(host);
        return host;
    }

    private async Task<RunResult> RunAsync(TestHost host, WorkflowBuilder workflow)
    {
        var result = await host.Runner.RunAsync(workflow.Build());
        output.WriteLine(RunSummary.Format(result));
        return result;
    }

    private static bool AnyProcessWith(string fragment) =>
        Directory.EnumerateDirectories("/proc").Any(folder =>
        {
            try
            {
                return int.TryParse(Path.GetFileName(folder), out _) &&
                       File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ').Contains(fragment, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        });

    [Fact]
    public async Task A_batch_tasks_detached_child_dies_with_it_on_timeout()
    {
        var marker = $"61.{Random.Shared.Next(100_000, 999_999)}";
        var result = await RunAsync(Host(), Workflow.Create("detach")
            .BatchTask("Leaves", $"(sleep {marker} &); sleep 30", t => t.Timeout(TimeSpan.FromSeconds(1))));

        Assert.Equal(TaskState.Failed, result["Leaves"].Outcome.State);
        Assert.StartsWith("timed out after 1 s", result["Leaves"].Outcome.Reason);
        var stopwatch = Stopwatch.StartNew();
        while (AnyProcessWith($"sleep {marker}") && stopwatch.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(100);
        Assert.False(AnyProcessWith($"sleep {marker}"), "the detached child outlived its task");
    }

    [Fact]
    public async Task A_detached_child_is_stopped_when_its_task_ends_normally_too()
    {
        var marker = $"62.{Random.Shared.Next(100_000, 999_999)}";
        var result = await RunAsync(Host(), Workflow.Create("detach").BatchTask("Leaves", $"(sleep {marker} &); echo done"));
        Assert.True(result.Succeeded, RunSummary.Format(result));
        await Task.Delay(500);
        Assert.False(AnyProcessWith($"sleep {marker}"));
    }

    [Fact]
    public async Task A_line_of_50_MB_without_a_newline_reaches_the_log_byte_for_byte_and_the_console_in_bounded_pieces()
    {
        var host = Host();
        var result = await RunAsync(host, Workflow.Create("long").Remove(false)
            .BatchTask("Line", "head -c 50000000 /dev/zero | tr '\\0' x; printf '\\033[31mred\\033[0m\\n'"));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.Equal(50_000_000 + "\u001b[31mred\u001b[0m\n".Length, new FileInfo(result["Line"].Workspace!.StdoutPath).Length);
        var lines = host.Log.Where(l => l.StartsWith("[Line] x", StringComparison.Ordinal)).ToList();
        Assert.Equal((50_000_000 + Processes.LineSplitter.MaxLineBytes - 1) / Processes.LineSplitter.MaxLineBytes, lines.Count);
        Assert.All(lines, l => Assert.True(l.Length <= "[Line] ".Length + Processes.LineSplitter.MaxLineBytes));
        Assert.Contains(host.Log, l => l.EndsWith("\\u001b[31mred\\u001b[0m", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Log, l => l.Contains('\u001b'));
    }

    [Fact]
    public async Task A_tmp_dir_that_is_a_regular_file_fails_before_any_task_naming_the_folder_and_setting()
    {
        var file = Path.Combine(apptainer.NewFolder("file"), "not-a-folder");
        await File.WriteAllTextAsync(file, "x");
        var result = await RunAsync(Host(tmp: file), Workflow.Create("tmp").DefaultImage(apptainer.BusyboxSif)
            .Task("A", t => t.Command("true").NoOverlay()).BatchTask("B", "true"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot create the run's work folder", result.SetupError);
        Assert.Contains(file, result.SetupError);
        Assert.Contains("tmp_dir", result.SetupError);
        Assert.All(result.Tasks, t => Assert.Equal(TaskState.Skipped, t.Outcome.State));
    }

    [Fact]
    public async Task A_json_file_that_cannot_be_written_stops_the_run_before_it_starts()
    {
        var json = Path.Combine(apptainer.NewFolder("json"), "no-such-folder", "run.json");
        var host = Host(settings: new() { ["dagon:json"] = json });
        var error = await Assert.ThrowsAsync<InvalidRunSettingException>(() => host.Runner.RunAsync(Workflow.Create("json").BatchTask("A", "touch ran").Build()));
        Assert.Contains($"Cannot write the output file {json}", error.Message);
        Assert.Contains("[dagon] json", error.Message);
    }

    [Fact]
    public async Task User_and_home_in_a_local_tmp_dir_are_expanded_as_dagonstar_examples_use_them()
    {
        var parent = apptainer.NewFolder("scratch");
        var result = await RunAsync(Host(tmp: parent + "/$USER/runs"), Workflow.Create("user").Remove(false).BatchTask("A", "pwd"));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.StartsWith(Path.Combine(parent, Environment.UserName, "runs") + "/", result["A"].Workspace!.Root);
        Assert.False(Directory.Exists(Path.Combine(parent, "$USER")));
    }

    [Fact]
    public async Task An_overlay_bigger_than_the_free_space_fails_at_once_without_making_anything()
    {
        var small = apptainer.NewFolder("small");
        await ApptainerFixture.Run("/bin/mount", "-t", "tmpfs", "-o", "size=20m,mode=1777", "tmpfs", small);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var result = await RunAsync(Host(tmp: small), Workflow.Create("big").DefaultImage(apptainer.BusyboxSif)
                .Task("Huge", t => t.Command("true").OverlaySize(10_000_000)).Task("Fits", t => t.Command("true").NoOverlay()));

            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"took {stopwatch.Elapsed}");
            Assert.Equal(TaskState.Failed, result["Huge"].Outcome.State);
            Assert.Contains("could not create the 10000000 MB overlay: it does not fit in", result["Huge"].Outcome.Reason);
            Assert.Equal(TaskState.Succeeded, result["Fits"].Outcome.State);
            Assert.Empty(Directory.GetFiles(small, "*.img", SearchOption.AllDirectories));
        }
        finally
        {
            await ApptainerFixture.Run("/bin/umount", small);
        }
    }

    [Fact]
    public async Task A_full_disk_is_reported_as_the_tasks_failure_and_the_log_as_incomplete_never_as_a_crash()
    {
        var small = apptainer.NewFolder("full");
        await ApptainerFixture.Run("/bin/mount", "-t", "tmpfs", "-o", "size=1m,mode=1777", "tmpfs", small);
        try
        {
            var result = await RunAsync(Host(tmp: small), Workflow.Create("full")
                .BatchTask("Fills", "head -c 3000000 /dev/zero > big")
                .BatchTask("Prints", "head -c 3000000 /dev/zero"));

            Assert.Equal(TaskState.Failed, result["Fills"].Outcome.State);
            Assert.StartsWith("command exited with code 1", result["Fills"].Outcome.Reason);
            Assert.Contains(result["Fills"].Outcome.ErrorTail!, l => l.Contains("No space left on device", StringComparison.Ordinal));
            Assert.Equal(TaskState.Succeeded, result["Prints"].Outcome.State);
            Assert.Contains("its output could not all be saved", result["Prints"].Outcome.Reason);
            Assert.Contains("stdout.log", result["Prints"].Outcome.Reason);
        }
        finally
        {
            await ApptainerFixture.Run("/bin/umount", small);
        }
    }

    [Fact]
    public async Task Half_made_images_and_build_scratch_of_a_dead_engine_are_swept_and_a_live_ones_kept()
    {
        var cache = apptainer.NewFolder("cache");
        var dead = await DeadProcessIdAsync();
        var deadPartial = Path.Combine(cache, $".tools-0123456789abcdef.sif.{dead}.{Guid.NewGuid():N}.partial");
        var deadScratch = Path.Combine(cache, $".build-{dead}-{Guid.NewGuid():N}");
        var livePartial = Path.Combine(cache, $".other-0123456789abcdef.sif.{Environment.ProcessId}.{Guid.NewGuid():N}.partial");
        await File.WriteAllTextAsync(deadPartial, "half");
        Directory.CreateDirectory(Path.Combine(deadScratch, "rootfs"));
        await File.WriteAllTextAsync(livePartial, "in progress");

        var host = new TestHost(output, cache, apptainer.NewFolder("tmp"));
        _hosts.Add(host);
        var result = await RunAsync(host, Workflow.Create("sweep").DefaultImage(apptainer.BusyboxSif).Task("A", t => t.Command("true").OverlaySize(64)));

        Assert.True(result.Succeeded, RunSummary.Format(result));
        Assert.False(File.Exists(deadPartial));
        Assert.False(Directory.Exists(deadScratch));
        Assert.True(File.Exists(livePartial));
        Assert.Contains(host.Log, l => l.Contains($"left by an image build whose engine (process {dead}) is gone", StringComparison.Ordinal));
    }

    /// <summary>The id of a process that has just ended.</summary>
    private static async Task<int> DeadProcessIdAsync()
    {
        using var process = Process.Start("true")!;
        await process.WaitForExitAsync();
        return process.Id;
    }

    [Fact]
    public async Task A_read_only_tmp_dir_fails_before_any_task_naming_the_folder_and_setting()
    {
        var readOnly = apptainer.NewFolder("ro");
        await ApptainerFixture.Run("/bin/mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", readOnly);
        try
        {
            var result = await RunAsync(Host(tmp: readOnly), Workflow.Create("ro").BatchTask("A", "true"));
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("cannot create the run's work folder", result.SetupError);
            Assert.Contains(readOnly, result.SetupError);
            Assert.Contains("Read-only file system", result.SetupError);
        }
        finally
        {
            await ApptainerFixture.Run("/bin/umount", readOnly);
        }
    }
}
