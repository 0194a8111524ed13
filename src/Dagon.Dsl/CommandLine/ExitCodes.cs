namespace Dagon.CommandLine;

/// <summary>The process exit codes of a workflow program, as help and the README list them.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>
    /// A task failed or could not be prepared; for <c>--dry-run</c>, a real run could not start; for <c>clean</c>, a
    /// host could not be reached or a folder could not be removed (those runs stay recorded for a later clean).
    /// </summary>
    public const int Failed = 1;

    /// <summary>The workflow, a setting or the command line is invalid; nothing ran.</summary>
    public const int Invalid = 2;

    /// <summary>Ctrl+C stopped the run (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;

    /// <summary>SIGHUP stopped the run (a closed terminal, a dropped SSH session to a login node): 128 + 1.</summary>
    public const int HangUp = 129;

    /// <summary>SIGTERM stopped the run (a scheduler's or an administrator's kill): 128 + 15.</summary>
    public const int Terminated = 143;

    public static IReadOnlyList<(int Code, string Meaning)> Documented { get; } =
    [
        (Success, "success (for --dry-run: a real run could start)"),
        (Failed, "a task failed or could not be prepared (for --dry-run: a check failed; for clean: a host could not be reached or a folder removed, so those runs stay recorded)"),
        (Invalid, "the workflow, a setting or the command line is invalid; nothing ran"),
        (HangUp, "stopped by SIGHUP (a closed terminal or SSH session); cleaned up like Ctrl+C"),
        (Cancelled, "cancelled by Ctrl+C (SIGINT)"),
        (Terminated, "stopped by SIGTERM; cleaned up like Ctrl+C"),
    ];
}
