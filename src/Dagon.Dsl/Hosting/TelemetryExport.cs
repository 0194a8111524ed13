using Dagon.Execution;
using Dagon.Observing;
using Dagon.Reporting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Dagon.Hosting;

/// <summary>
/// Sends <see cref="RunTelemetry"/>'s spans and metrics over OTLP. The endpoint is <c>--otlp</c>, or else the
/// exporter's own OTEL_EXPORTER_OTLP_* variables. Registered after <see cref="RunTelemetry"/>, it flushes once the
/// run's span has ended: a batch job's process exits right after, and unsent spans would be lost.
/// </summary>
public sealed class TelemetryExport : IRunObserver, IDisposable
{
    private readonly TracerProvider _traces;
    private readonly MeterProvider _metrics;

    public TelemetryExport(string? endpoint)
    {
        var uri = string.IsNullOrWhiteSpace(endpoint) ? null : new Uri(endpoint);
        _traces = Sdk.CreateTracerProviderBuilder().AddSource(RunTelemetry.Name)
            .AddOtlpExporter(o => Point(o, uri, "v1/traces")).Build();
        _metrics = Sdk.CreateMeterProviderBuilder().AddMeter(RunTelemetry.Name)
            .AddOtlpExporter(o => Point(o, uri, "v1/metrics")).Build();
    }

    /// <summary>
    /// An endpoint set in code is used as it is; over HTTP (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) the exporter
    /// then posts to that exact URL, so the signal's path is added here as the exporter does for the variable.
    /// </summary>
    private static void Point(OtlpExporterOptions options, Uri? endpoint, string signalPath)
    {
        if (endpoint is null) return;
        options.Endpoint = options.Protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath)
            : endpoint;
    }

    public void RunStarted(RunStart run)
    {
    }

    public void TaskStarted(TaskStart task)
    {
    }

    public void TaskFinished(TaskAttempt attempt)
    {
    }

    public void RunFinished(RunResult result)
    {
        _traces.ForceFlush(5000);
        _metrics.ForceFlush(5000);
    }

    public void Dispose()
    {
        _traces.Dispose();
        _metrics.Dispose();
    }
}
