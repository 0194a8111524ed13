namespace Dagon.Places;

/// <summary>A program to run on a place.</summary>
public sealed record PlaceCommand(IReadOnlyList<string> Argv)
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Environment variables added for the program (on this machine; remote programs take them through <c>env</c>).</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Files on the place that receive the program's whole output, byte for byte.</summary>
    public string? StdoutFile { get; init; }

    public string? StderrFile { get; init; }

    /// <summary>
    /// A folder on the place that the engine owns for this program: where a remote place keeps the process group id
    /// and output pipes. Required for long-running programs on remote places (tasks); housekeeping may omit it.
    /// </summary>
    public string? ControlDirectory { get; init; }

    public Action<string>? OnStdout { get; init; }

    public Action<string>? OnStderr { get; init; }

    /// <summary>Keep stdout in <see cref="CommandResult.Stdout"/> (housekeeping commands that answer something).</summary>
    public bool CaptureStdout { get; init; }
}

/// <summary>
/// How a program ended: its exit code (null when a signal killed it), captured stdout, the tail of stderr, and why its
/// log files are incomplete (their disk filled up), when they are.
/// </summary>
public sealed record CommandResult(int? ExitCode, string Stdout, IReadOnlyList<string> StderrTail, string? Signal = null, string? LogError = null)
{
    public const int TailLines = 20;

    public bool Succeeded => ExitCode == 0;
}
