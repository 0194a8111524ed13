using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dagon.Places.Ssh;

public static class SshServiceCollectionExtensions
{
    /// <summary>
    /// Adds SSH hosts as places: host profiles from <c>[ssh]</c> and <c>[host:NAME]</c>, and one pooled connection per
    /// host. Tasks, images and staging then work on those hosts through the same parts as on this machine.
    /// </summary>
    public static IServiceCollection AddDagonSsh(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => new SshHostProfiles(configuration));
        services.TryAddSingleton<SshConnectionPool>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPlaceProvider, SshPlaceProvider>());
        return services;
    }
}
