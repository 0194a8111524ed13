using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Dagon.Hosting;

/// <summary>One plain line per event, as people read workflow logs: time, level when it matters, message.</summary>
internal sealed class DagonConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "dagon";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        var level = logEntry.LogLevel switch
        {
            LogLevel.Warning => "WARN  ",
            LogLevel.Error or LogLevel.Critical => "ERROR ",
            LogLevel.Debug or LogLevel.Trace => "debug ",
            _ => "",
        };
        textWriter.Write(DateTime.Now.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(' ');
        textWriter.Write(level);
        textWriter.WriteLine(message);
        if (logEntry.Exception is not null) textWriter.WriteLine(logEntry.Exception.ToString());
    }
}
