using System.Diagnostics;
using System.Text;

namespace Dagon.Dsl.IntegrationTests;

/// <summary>A real engine process (tests/Dagon.Dsl.SignalTarget) with its output collected.</summary>
internal sealed class EngineProcess : IDisposable
{
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "Dagon.Dsl.SignalTarget.dll");
    private readonly StringBuilder _text = new();

    private EngineProcess(Process process) => Process = process;

    public Process Process { get; }

    public string Output
    {
        get
        {
            lock (_text) return _text.ToString();
        }
    }

    public static EngineProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Program);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var engine = new EngineProcess(Process.Start(start)!);
        engine.Process.OutputDataReceived += (_, e) => engine.Collect(e.Data);
        engine.Process.ErrorDataReceived += (_, e) => engine.Collect(e.Data);
        engine.Process.BeginOutputReadLine();
        engine.Process.BeginErrorReadLine();
        return engine;
    }

    public async Task WaitForAsync(Func<string, bool> condition, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition(Output))
        {
            if (Process.HasExited) throw new InvalidOperationException($"the engine exited ({Process.ExitCode}) before {what}:\n{Output}");
            if (stopwatch.Elapsed > TimeSpan.FromSeconds(120)) throw new TimeoutException($"no {what} within 120 s:\n{Output}");
            await Task.Delay(100);
        }
    }

    public async Task<int> ExitAsync()
    {
        await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return Process.ExitCode;
    }

    private void Collect(string? line)
    {
        if (line is null) return;
        lock (_text) _text.AppendLine(line);
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}
