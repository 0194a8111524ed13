using Dagon.Execution;
using Dagon.Observing;
using Spectre.Console;

namespace Dagon.Reporting;

/// <summary>
/// <c>--progress rich</c>: a Spectre.Console live display redrawn a few times a second while the run goes. Drawing
/// happens on its own task, never on the runner's threads; the last frame is drawn before the run's summary.
/// </summary>
public sealed class LiveProgress(IAnsiConsole console, TimeSpan? refresh = null) : IRunObserver
{
    private readonly RunProgress _progress = new();
    private readonly TimeSpan _refresh = refresh ?? TimeSpan.FromMilliseconds(250);
    private CancellationTokenSource? _stop;
    private Task? _display;

    public ProgressSnapshot Snapshot() => _progress.Snapshot();

    public void RunStarted(RunStart run)
    {
        _progress.RunStarted(run);
        _stop = new CancellationTokenSource();
        var stop = _stop.Token;
        _display = Task.Run(() => console.Live(ProgressView.Render(_progress.Snapshot(), DateTimeOffset.UtcNow))
            .AutoClear(false)
            .StartAsync(async live =>
            {
                while (!stop.IsCancellationRequested)
                {
                    live.UpdateTarget(ProgressView.Render(_progress.Snapshot(), DateTimeOffset.UtcNow));
                    live.Refresh();
                    try
                    {
                        await Task.Delay(_refresh, stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }

                live.UpdateTarget(ProgressView.Render(_progress.Snapshot(), DateTimeOffset.UtcNow));
                live.Refresh();
            }), CancellationToken.None);
    }

    public void TaskStarted(TaskStart task) => _progress.TaskStarted(task);

    public void TaskFinished(TaskAttempt attempt) => _progress.TaskFinished(attempt);

    public void RunFinished(RunResult result)
    {
        _progress.RunFinished(result);
        _stop?.Cancel();
        // A display that cannot draw (the terminal went away) must not hold up the end of the run.
        try
        {
            _display?.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }

        _stop?.Dispose();
        _stop = null;
    }
}
