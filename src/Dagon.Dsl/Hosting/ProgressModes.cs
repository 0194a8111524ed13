using Dagon.Execution;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Dagon.Hosting;

public enum ProgressMode
{
    /// <summary>The log lines as they come (the default when output goes to a file or in CI).</summary>
    Plain,

    /// <summary>A live display of counts and running tasks (the default on a terminal); the console log keeps warnings and errors.</summary>
    Rich,

    /// <summary>No progress: only warnings, errors and the summary.</summary>
    None,
}

/// <summary><c>--progress</c>: which display a run gets, and what that means for the console log.</summary>
public static class ProgressModes
{
    /// <exception cref="ArgumentException">The setting is not plain, rich or none.</exception>
    public static ProgressMode Resolve(string? setting, bool outputIsTerminal, bool inCi) => setting?.Trim().ToLowerInvariant() switch
    {
        null or "" => outputIsTerminal && !inCi ? ProgressMode.Rich : ProgressMode.Plain,
        "plain" => ProgressMode.Plain,
        "rich" => ProgressMode.Rich,
        "none" => ProgressMode.None,
        _ => throw new ArgumentException($"[dagon] progress (--progress) must be plain, rich or none, not '{setting}'"),
    };

    /// <summary>The mode of this process: its setting, its terminal and the CI variable most CI systems set.</summary>
    public static ProgressMode Resolve(IConfiguration configuration) => Resolve(
        configuration.GetSection(DagonOptions.Section)["progress"],
        !Console.IsOutputRedirected,
        Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ci && ci != "false");

    /// <summary>
    /// A live display and per-task log lines on one terminal tear each other apart, so with rich (or no) progress the
    /// console log keeps only warnings and errors; other log providers still get everything.
    /// </summary>
    public static void FilterConsoleLog(ILoggingBuilder logging, ProgressMode mode)
    {
        if (mode != ProgressMode.Plain) logging.AddFilter<ConsoleLoggerProvider>(level => level >= LogLevel.Warning);
    }
}
