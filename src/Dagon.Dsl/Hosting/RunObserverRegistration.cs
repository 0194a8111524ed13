using Dagon.Execution;
using Dagon.Observing;
using Dagon.Reporting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dagon.Hosting;

/// <summary>
/// Registers only the observers a run asked for (<c>--trace</c>, <c>--report</c>, <c>--otlp</c>, the progress
/// display): with none, the runner's per-task cost of the observer seam is a check of an empty list.
/// </summary>
public static class RunObserverRegistration
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IServiceCollection AddDagonObservers(this IServiceCollection services, IConfiguration configuration)
    {
        var dagon = configuration.GetSection(DagonOptions.Section);
        if (dagon["trace"] is { Length: > 0 } trace) services.AddSingleton<IRunObserver>(new TraceFile(trace));
        if (dagon["report"] is { Length: > 0 } report) services.AddSingleton<IRunObserver>(new HtmlReport(report));
        var otlp = dagon["otlp"];
        if (otlp is { Length: > 0 } || Environment.GetEnvironmentVariable(OtlpEndpointVariable) is { Length: > 0 })
        {
            services.AddSingleton<IRunObserver, RunTelemetry>();
            services.AddSingleton<IRunObserver>(_ => new TelemetryExport(otlp));
        }

        if (ProgressModes.Resolve(configuration) == ProgressMode.Rich)
        {
            services.AddSingleton<IRunObserver>(_ => new LiveProgress(Spectre.Console.AnsiConsole.Console));
        }

        return services;
    }
}
