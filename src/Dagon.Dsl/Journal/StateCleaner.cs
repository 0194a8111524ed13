using Dagon.Execution;

namespace Dagon.Journal;

/// <summary><c>--clean</c>: the same as <c>clean --all</c>, kept for the command lines that use it.</summary>
public static class StateCleaner
{
    public static Task<RunCleaner.Report> CleanAsync(DagonOptions options, PlaceDirectory places, CancellationToken cancellationToken) =>
        new RunCleaner(places).CleanAsync(options.ResolveStateDir(), new CleanScope.All(), cancellationToken);
}
