using System.Collections.Concurrent;
using Dagon.Execution;
using Dagon.Images;
using Dagon.Places.Ssh;
using Dagon.Hosting;
using Dagon.Running;
using Dagon.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dagon.Dsl.RemoteTests;

/// <summary>One run of the real engine (runner, backends, transfers) with in-memory settings and captured log lines.</summary>
public sealed class Harness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public Harness(Dictionary<string, string?> settings, ITestOutputHelper? output = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new CaptureProvider(Lines, output)));
        services.AddDagon(configuration).AddDagonSsh(configuration);
        _services = services.BuildServiceProvider();
    }

    public ConcurrentQueue<string> Lines { get; } = new();

    public string Log => string.Join('\n', Lines);

    public SshConnectionPool Pool => _services.GetRequiredService<SshConnectionPool>();

    public HostImageCache RemoteImages => _services.GetRequiredService<HostImageCache>();

    /// <summary>The SSH host profile <paramref name="host"/> as the engine's place.</summary>
    public Dagon.Places.IPlace Place(string host) =>
        _services.GetServices<Dagon.Places.IPlaceProvider>().OfType<Dagon.Places.Ssh.SshPlaceProvider>().Single().Get(host);

    public Task<RunResult> RunAsync(WorkflowBuilder workflow, CancellationToken cancellationToken = default) =>
        _services.GetRequiredService<WorkflowRunner>().RunAsync(workflow.Build(), cancellationToken);

    /// <summary>What a task printed on stdout, in order.</summary>
    public IReadOnlyList<string> StdoutOf(string task) =>
        Lines.Where(l => l.StartsWith($"INFO Dagon.Task.{task}: [{task}] ", StringComparison.Ordinal))
            .Select(l => l[$"INFO Dagon.Task.{task}: [{task}] ".Length..]).ToList();

    /// <summary>--dry-run's checks of the workflow on these settings; nothing runs.</summary>
    public Task<Dagon.Execution.PreflightReport> PreflightAsync(WorkflowBuilder workflow) =>
        ActivatorUtilities.CreateInstance<Dagon.Execution.RunPreflight>(_services)
            .CheckAsync(Dagon.Scheduling.ExecutionPlan.Create([workflow.Build()]), CancellationToken.None);

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private sealed class CaptureProvider(ConcurrentQueue<string> lines, ITestOutputHelper? output) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Capture(categoryName, lines, output);

        public void Dispose() { }
    }

    private sealed class Capture(string category, ConcurrentQueue<string> lines, ITestOutputHelper? output) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var level = logLevel switch { LogLevel.Warning => "WARN", LogLevel.Error => "ERROR", _ => "INFO" };
            var line = $"{level} {category}: {formatter(state, exception)}";
            lines.Enqueue(line);
            try { output?.WriteLine(line); } catch (InvalidOperationException) { /* the test already finished */ }
        }
    }
}
