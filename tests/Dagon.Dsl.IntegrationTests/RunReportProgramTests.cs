using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>--trace, --report, --otlp and --progress through the demo program, as a user runs it.</summary>
[Collection(ApptainerCollection.Name)]
public sealed class RunReportProgramTests(ApptainerFixture apptainer, ITestOutputHelper output)
{
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "DataflowDemo.dll");

    private async Task<(int ExitCode, string Output)> RunDemoAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment,
        params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Program);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        var text = await stdout + await stderr;
        output.WriteLine(text);
        return (process.ExitCode, text);
    }

    /// <summary>An OTLP/HTTP receiver on loopback: it keeps what each path received and answers 200.</summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();

        public OtlpReceiver()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public int Port { get; }

        public ConcurrentDictionary<string, string> Received { get; } = new();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                // Protobuf keeps strings as UTF-8 bytes: span and metric names can be found in the raw body.
                Received.AddOrUpdate(context.Request.Url!.AbsolutePath, _ => Encoding.Latin1.GetString(body.ToArray()),
                    (_, before) => before + Encoding.Latin1.GetString(body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }

    [Fact]
    public async Task DemoWritesTraceReportAndSendsSpansAndMetricsOverOtlp()
    {
        var directory = apptainer.NewFolder("observed");
        using var receiver = new OtlpReceiver();

        var (exitCode, text) = await RunDemoAsync(directory,
            new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf" },
            "--trace", "trace.tsv", "--report", "run.html", "--otlp", $"http://127.0.0.1:{receiver.Port}", "--progress", "plain");

        Assert.Equal(0, exitCode);
        Assert.Contains(" [D] ", text); // plain progress: the log lines
        var rows = (await File.ReadAllLinesAsync(Path.Combine(directory, "trace.tsv"))).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(["A", "B", "C", "D"], rows.Select(r => r[0]).Order());
        Assert.All(rows, r => Assert.Equal(("localhost", "succeeded", "0"), (r[2], r[3], r[4])));
        var report = await File.ReadAllTextAsync(Path.Combine(directory, "run.html"));
        Assert.Contains("id=\"dagon-data\"", report);
        Assert.DoesNotContain("<script src", report);
        Assert.DoesNotContain("<link", report);
        Assert.True(receiver.Received.TryGetValue("/v1/traces", out var traces), $"no traces; received: {string.Join(", ", receiver.Received.Keys)}");
        Assert.Contains("dagon.run", traces);
        Assert.Contains("dagon.task.execution", traces);
        Assert.True(receiver.Received.TryGetValue("/v1/metrics", out var metrics), "no metrics");
        Assert.Contains("dagon.tasks", metrics);
        Assert.Contains("dagon.task.duration", metrics);
    }

    [Fact]
    public async Task ProgressNoneKeepsOnlyTheSummaryAndRichDrawsTheCounts()
    {
        var none = await RunDemoAsync(apptainer.NewFolder("observed"), new Dictionary<string, string>(), "--progress", "none");
        var rich = await RunDemoAsync(apptainer.NewFolder("observed"), new Dictionary<string, string>(), "--progress", "rich");

        Assert.Equal((0, 0), (none.ExitCode, rich.ExitCode));
        Assert.DoesNotContain(" [D] ", none.Output);
        Assert.DoesNotContain("Starting workflow", none.Output);
        Assert.Contains("Workflow completed successfully", none.Output);
        Assert.Contains("done 4  running 0  queued 0  failed 0  of 4", rich.Output);
        Assert.DoesNotContain("Starting workflow", rich.Output);
        Assert.Contains("Workflow completed successfully", rich.Output);
    }

    [Fact]
    public async Task AnUnwritableReportStopsTheRunBeforeAnyTask()
    {
        var directory = apptainer.NewFolder("observed");

        var (exitCode, text) = await RunDemoAsync(directory, new Dictionary<string, string>(), "--report", "/nonexistent/run.html");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Cannot write the output file /nonexistent/run.html ([dagon] report, --report)", text);
        Assert.DoesNotContain("Starting workflow", text);
    }
}
