using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace Dagon.Hosting;

/// <summary>
/// Ctrl+C (SIGINT), SIGTERM and SIGHUP stop the run the same way: the token the runner watches is cancelled, running
/// tasks are killed with their process groups, work directories are cleaned per <c>remove</c>, the summary is
/// printed, and the process exits with 128 + the signal's number (130, 143, 129). SIGHUP matters most on HPC: it is
/// what a closed terminal or a dropped SSH session to a login node sends. Unlike the default console lifetime, the
/// process is not torn down before that cleanup has finished.
/// </summary>
internal sealed class CancelKeyLifetime(IHostApplicationLifetime lifetime) : IHostLifetime, IDisposable
{
    private static readonly (PosixSignal Signal, int Number)[] Stops =
        [(PosixSignal.SIGINT, 2), (PosixSignal.SIGTERM, 15), (PosixSignal.SIGHUP, 1)];

    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signal;

    /// <summary>The exit code the first stopping signal calls for, or null when none came.</summary>
    public int? ExitCode => Volatile.Read(ref _signal) is var number and > 0 ? 128 + number : null;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        foreach (var (signal, number) in Stops)
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true; // keep the process alive until cleanup is done
                if (Interlocked.CompareExchange(ref _signal, number, 0) != 0) return;
                TryWriteError($"{signal} received: cancelling the run, stopping running tasks...");
                lifetime.StopApplication();
            }));
        }

        return Task.CompletedTask;
    }

    /// <summary>After SIGHUP the terminal may be gone: writing to it must not stop the cleanup.</summary>
    internal static void TryWriteError(string line)
    {
        try
        {
            Console.Error.WriteLine(line);
        }
        catch (IOException)
        {
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
    }
}
