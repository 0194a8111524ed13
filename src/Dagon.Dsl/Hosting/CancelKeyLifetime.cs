using Microsoft.Extensions.Hosting;

namespace Dagon.Hosting;

/// <summary>
/// Ctrl+C or SIGTERM stops the run: the token the runner watches is cancelled, running containers are killed and
/// work directories are cleaned per <c>remove</c>. Unlike the default console lifetime, the process is not torn
/// down before that cleanup has finished.
/// </summary>
internal sealed class CancelKeyLifetime(IHostApplicationLifetime lifetime) : IHostLifetime, IDisposable
{
    private readonly List<System.Runtime.InteropServices.PosixSignalRegistration> _registrations = [];

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        foreach (var signal in new[] { System.Runtime.InteropServices.PosixSignal.SIGINT, System.Runtime.InteropServices.PosixSignal.SIGTERM })
        {
            _registrations.Add(System.Runtime.InteropServices.PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true; // keep the process alive until cleanup is done
                Console.Error.WriteLine($"{signal} received: cancelling the run, killing running containers...");
                lifetime.StopApplication();
            }));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
    }
}
