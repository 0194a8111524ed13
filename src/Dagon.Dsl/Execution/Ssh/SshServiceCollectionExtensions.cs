using Dagon.Execution.Apptainer;
using Dagon.Staging.Transfers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dagon.Execution.Ssh;

public static class SshServiceCollectionExtensions
{
    /// <summary>
    /// Registers remote Apptainer tasks over SSH: host profiles from <c>[ssh]</c> and <c>[host:NAME]</c>, the
    /// per-host connection pool, the per-host image caches and the cross-host input transfer.
    /// </summary>
    public static IServiceCollection AddDagonSsh(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => new SshHostProfiles(configuration));
        services.TryAddSingleton<SshConnectionPool>();
        services.TryAddSingleton(sp => new RemoteImageCache(
            sp.GetRequiredService<ImageCache>(),
            sp.GetRequiredService<IOptions<ApptainerOptions>>().Value,
            sp.GetRequiredService<ILogger<RemoteImageCache>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskBackend, SshApptainerBackend>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInputTransfer, SshInputTransfer>());
        return services;
    }
}
