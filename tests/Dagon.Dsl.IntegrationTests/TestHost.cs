using System.Collections.Concurrent;
using Dagon.Containers;
using Dagon.Images;
using Dagon.Execution;
using Dagon.Hosting;
using Dagon.Running;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>The runtime's real services (runner, local Apptainer backend, image cache) wired as a program would.</summary>
public sealed class TestHost : IDisposable
{
    private readonly ServiceProvider _services;

    public TestHost(ITestOutputHelper output, string imageCacheDir, string tmpDir, Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["dagon:tmp_dir"] = tmpDir,
            ["dagon:max_parallelism"] = "2",
            ["apptainer:image_cache_dir"] = imageCacheDir,
        };
        foreach (var (key, value) in settings ?? []) values[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        _services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new CollectingLoggerProvider(output, Log)))
            .AddDagon(configuration)
            .BuildServiceProvider();
    }

    public ConcurrentQueue<string> Log { get; } = new();

    public WorkflowRunner Runner => _services.GetRequiredService<WorkflowRunner>();

    public ImageCache ImageCache => _services.GetRequiredService<ImageCache>();

    /// <summary>--dry-run's checks of <paramref name="workflow"/> on these services; nothing runs.</summary>
    public Task<PreflightReport> DryRunAsync(Dagon.Model.WorkflowDefinition workflow) =>
        ActivatorUtilities.CreateInstance<RunPreflight>(_services).CheckAsync(Dagon.Scheduling.ExecutionPlan.Create([workflow]), CancellationToken.None);

    public void Dispose() => _services.Dispose();

    private sealed class CollectingLoggerProvider(ITestOutputHelper output, ConcurrentQueue<string> log) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(output, log);

        public void Dispose()
        {
        }

        private sealed class Logger(ITestOutputHelper output, ConcurrentQueue<string> log) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = formatter(state, exception);
                log.Enqueue(line);
                try
                {
                    output.WriteLine($"{logLevel}: {line}");
                }
                catch (InvalidOperationException)
                {
                    // The test already finished; background work may still log.
                }
            }
        }
    }
}
