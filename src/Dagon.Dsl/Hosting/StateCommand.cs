using System.Globalization;
using Dagon.CommandLine;
using Dagon.Execution;
using Dagon.Journal;

namespace Dagon.Hosting;

/// <summary><c>runs</c> and <c>clean</c> (and <c>--clean</c>): what the journal holds, and removing chosen runs.</summary>
internal static class StateCommand
{
    public static async Task<int> ExecuteAsync(StateRequest request, DagonOptions settings, PlaceDirectory places, TextWriter output,
        CancellationToken cancellationToken)
    {
        var state = settings.ResolveStateDir();
        var cleaner = new RunCleaner(places);
        if (request.Kind == StateCommandKind.Runs)
        {
            WriteListing(await cleaner.ListAsync(state, cancellationToken).ConfigureAwait(false), state, output);
            return ExitCodes.Success;
        }

        CleanScope scope = request.Before is { } before ? new CleanScope.Before(before)
            : request.KeepLast is { } keep ? new CleanScope.KeepLast(keep)
            : new CleanScope.All();
        try
        {
            var report = await cleaner.CleanAsync(state, scope, cancellationToken).ConfigureAwait(false);
            WriteReport(report, state, output);
            return report.Complete ? ExitCodes.Success : ExitCodes.Failed;
        }
        catch (UnknownRunException exception)
        {
            await Console.Error.WriteLineAsync($"{DagonCommand.ProgramName}: {exception.Message}").ConfigureAwait(false);
            return ExitCodes.Invalid;
        }
    }

    private static void WriteListing(RunCleaner.Listing listing, string state, TextWriter output)
    {
        if (listing.Runs.Count == 0)
        {
            output.WriteLine($"No runs recorded in {state}");
            return;
        }

        output.WriteLine($"Runs recorded in {state}, oldest first:");
        output.WriteLine($"  {"run",-24}{"started (UTC)",-21}{"ended (UTC)",-21}{"tasks",6}{"ok",5}  kept work folders");
        foreach (var run in listing.Runs)
        {
            var r = run.Run;
            var kept = run.Kept.Count == 0 ? "none" : string.Join(", ", run.Kept.Select(Where));
            var inUse = run.InUse is null ? "" : $"  ({run.InUse})";
            output.WriteLine($"  {r.RunId,-24}{Time(r.Started),-21}{Time(r.Ended),-21}{r.Tasks,6}{r.Succeeded,5}  {kept}{inUse}");
            // Under the run's times, so a run that did not fully succeed says why without widening every row.
            if (r.Failures.Describe() is { } failures) output.WriteLine($"  {"",-24}{failures}");
        }

        foreach (var problem in listing.Unreachable)
        {
            output.WriteLine($"Host '{problem.Host}' could not be reached, so its folders are not listed: {problem.Reason}");
        }
    }

    private static void WriteReport(RunCleaner.Report report, string state, TextWriter output)
    {
        foreach (var run in report.Removed)
        {
            var folders = report.FoldersRemoved.Where(run.Folders.Contains).Select(Where).ToList();
            output.WriteLine($"Removed run {run.RunId} ({run.Tasks} task(s), {Time(run.Started)}): " +
                             $"{(folders.Count == 0 ? "no work folders" : "work folders " + string.Join(", ", folders))}, its records and its logs");
        }

        foreach (var kept in report.Kept) output.WriteLine($"Kept run {kept.Run.RunId}: {(kept.InUse ? "in use: " : "")}{kept.Reason}");
        foreach (var problem in report.Unreachable)
        {
            output.WriteLine($"Host '{problem.Host}' could not be reached: {problem.Reason}. Its runs stay recorded; run clean again once it answers.");
        }

        output.WriteLine($"Removed {report.Removed.Count} run(s) from {state}; kept {report.Kept.Count}.");
    }

    private static string Where(RunFolder folder) => folder.Host is null ? folder.Path : $"{folder.Host}:{folder.Path}";

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
