using System.Text.RegularExpressions;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Reporting;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>The --report page of real runs, as real headless Chromium renders it without network.</summary>
[Collection(ApptainerCollection.Name)]
public sealed class HtmlReportTests(ApptainerFixture apptainer, ITestOutputHelper output) : IDisposable
{
    private readonly List<TestHost> _hosts = [];

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    private async Task<(RunResult Result, string Report)> RunAsync(WorkflowBuilder workflow)
    {
        var report = Path.Combine(apptainer.NewFolder("report"), "run.html");
        var host = new TestHost(output, apptainer.NewFolder("cache"), apptainer.NewFolder("tmp"),
            new Dictionary<string, string?> { ["dagon:report"] = report });
        _hosts.Add(host);
        var result = await host.Runner.RunAsync(workflow.Build());
        output.WriteLine(RunSummary.Format(result));
        return (result, report);
    }

    /// <summary>The element with the given attribute value, as the browser serialised it.</summary>
    private static string Element(string dom, string tag, string attribute, string value)
    {
        var match = Regex.Match(dom, $"<{tag}[^>]*{attribute}=\"{Regex.Escape(value)}\"[^>]*>.*?</{tag}>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no <{tag} {attribute}=\"{value}\"> in the rendered page");
        return match.Value;
    }

    /// <summary>A task's row of the timeline the inline script drew (the graph's boxes carry data-task too).</summary>
    private static string TimelineRow(string dom, string task)
    {
        var match = Regex.Match(dom, $"<g class=\"task-row [a-z]+\" data-task=\"{Regex.Escape(task)}\"[^>]*>.*?</g>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no timeline row for {task} in the rendered page");
        return match.Value;
    }

    [Fact]
    public async Task DemoRunRendersGraphTimelinePhasesLogsAndSettingsWithoutNetwork()
    {
        var (result, report) = await RunAsync(Workflow.Create("DataFlow").DefaultImage(apptainer.BusyboxSif).Remove(false)
            .Task("A", "mkdir -p output && hostname > output/f1.txt")
            .Task("B", "cat workflow:///A/output/f1.txt > f2.txt")
            .Task("C", "cat workflow:///A/output/f1.txt > f2.txt")
            .Task("D", "cat workflow:///B/f2.txt workflow:///C/f2.txt"));
        Assert.True(result.Succeeded, RunSummary.Format(result));

        var dom = await HeadlessChromium.DumpDomAsync(report);

        Assert.Contains("data-rendered=\"true\"", dom);
        Assert.Equal(4, Regex.Matches(dom, "<g class=\"task-row succeeded\"").Count);
        Assert.Equal(4, Regex.Matches(dom, "<g class=\"node succeeded\"").Count);
        Assert.Equal(4, Regex.Matches(dom, "<line class=\"edge\"").Count);
        Assert.Contains("class=\"phase execution\"", TimelineRow(dom, "A"));
        Assert.Contains("class=\"phase overlay\"", TimelineRow(dom, "D"));
        var rowD = Element(dom, "tr", "data-task", "D");
        Assert.Contains("<td class=\"exit num\">0</td>", rowD);
        Assert.Contains("<td class=\"host\">localhost</td>", rowD);
        Assert.Contains("<td class=\"attempts\">1</td>", rowD);
        // The log links point at the copies kept in the state folder, which outlive the work folder.
        var keptStdout = Path.ChangeExtension(result["D"].Timings.LogFile!, ".out");
        Assert.Contains($"href=\"{new Uri(keptStdout).AbsoluteUri}\"", rowD);
        var lines = File.ReadAllLines(keptStdout);
        Assert.Equal(2, lines.Length); // D prints A's host name as B and C copied it
        Assert.Equal(lines[0], lines[1]);
        Assert.Contains("data-state=\"succeeded\" data-count=\"4\"", dom);
        Assert.Contains("<tr data-key=\"max_parallelism\"><th>max_parallelism</th><td>2</td></tr>", dom);
        Assert.DoesNotContain("http://", dom.Replace("http://www.w3.org/2000/svg", ""));

        var png = Path.Combine(Path.GetDirectoryName(report)!, "report.png");
        await HeadlessChromium.ScreenshotAsync(report, png);
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.True(bytes.Length > 10_000, $"the screenshot has {bytes.Length} bytes: an empty page?");
        // DAGON_APPROVE_SNAPSHOTS=1 refreshes the picture the documentation shows.
        if (Environment.GetEnvironmentVariable("DAGON_APPROVE_SNAPSHOTS") == "1") File.Copy(png, Path.Combine(RepositoryRoot(), "docs", "report-screenshot.png"), true);
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(folder.FullName, "Dagon.Dsl.sln"))) folder = folder.Parent ?? throw new DirectoryNotFoundException("Dagon.Dsl.sln");
        return folder.FullName;
    }

    [Fact]
    public async Task FailedRunShowsTheFailureItsExitCodeAndTheSkippedTask()
    {
        var (result, report) = await RunAsync(Workflow.Create("Broken").Remove(false)
            .BatchTask("A", "echo a")
            .BatchTask("B", "echo 'it broke' >&2; exit 3", t => t.DependsOn("A"))
            .BatchTask("C", "echo c", t => t.DependsOn("B")));
        Assert.False(result.Succeeded);

        var dom = await HeadlessChromium.DumpDomAsync(report);

        Assert.Contains("<span id=\"run-state\" class=\"banner failed\">failed</span>", dom);
        var rowB = Element(dom, "tr", "data-task", "B");
        Assert.Contains("data-state=\"failed\"", rowB);
        Assert.Contains("<td class=\"exit num\">3</td>", rowB);
        Assert.Contains("it broke", rowB);
        Assert.Contains("class=\"stderr\"", rowB);
        Assert.Contains("data-state=\"skipped\"", Element(dom, "tr", "data-task", "C"));
        Assert.Contains("<g class=\"task-row failed\" data-task=\"B\"", dom);
        Assert.Contains("<g class=\"node failed\" data-task=\"B\"", dom);
        Assert.DoesNotContain("data-task=\"C\" transform", dom); // never started: no timeline row
    }

    [Fact]
    public async Task RetriedTaskShowsItsAttemptsAndWhatEndedTheFailedOne()
    {
        var marker = Path.Combine(apptainer.NewFolder("marker"), "failed-once");
        var (result, report) = await RunAsync(Workflow.Create("Flaky")
            .BatchTask("A", $"if [ -e '{marker}' ]; then echo recovered; else touch '{marker}'; echo first >&2; exit 75; fi",
                t => t.Retries(1)));
        Assert.True(result.Succeeded, RunSummary.Format(result));

        var dom = await HeadlessChromium.DumpDomAsync(report);

        var rowA = Element(dom, "tr", "data-task", "A");
        Assert.Contains("<td class=\"attempts\">2 (retried after exit-code)</td>", rowA);
        Assert.Contains("<td class=\"exit num\">0</td>", rowA);
        var stdout = Regex.Match(rowA, "href=\"(file://[^\"]+)\" class=\"stdout\"");
        Assert.True(stdout.Success, rowA);
        Assert.Equal("recovered\n", File.ReadAllText(new Uri(stdout.Groups[1].Value).LocalPath));
    }
}
