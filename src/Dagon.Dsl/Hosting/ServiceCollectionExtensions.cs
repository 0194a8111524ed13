using Dagon.Containers;
using Dagon.Execution;
using Dagon.Images;
using Dagon.Launching;
using Dagon.LocalFiles;
using Dagon.Launching.Slurm;
using Dagon.Places.Local;
using Dagon.Running;
using Dagon.Staging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Dagon.Hosting;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the runner and its parts for this machine, bound to dagon.ini's sections: this machine as a place,
    /// processes as the launcher, the image caches and staging. Remote places are added apart (<c>AddDagonSsh</c>).
    /// </summary>
    public static IServiceCollection AddDagon(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DagonOptions>(configuration.GetSection(DagonOptions.Section));
        services.Configure<ApptainerOptions>(configuration.GetSection(ApptainerOptions.Section));
        services.TryAddSingleton(sp =>
        {
            var apptainer = sp.GetRequiredService<IOptions<ApptainerOptions>>().Value;
            return new ContainerUserAccess(ContainerUser.Resolve(apptainer.ContainerUser, apptainer.Executable));
        });
        services.TryAddSingleton<LocalPlace>();
        services.TryAddSingleton<PlaceDirectory>();
        services.TryAddSingleton<ITaskLauncher, DirectLauncher>();
        services.TryAddSingleton(_ => new SlurmSettings(configuration));
        services.TryAddSingleton(_ => new RegistryLogins(configuration));
        services.TryAddSingleton(sp => new ImageCache(
            sp.GetRequiredService<IOptions<ApptainerOptions>>().Value,
            sp.GetRequiredService<ContainerUserAccess>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ImageCache>>(),
            sp.GetRequiredService<RegistryLogins>()));
        services.TryAddSingleton(sp => new HostImageCache(
            sp.GetRequiredService<ImageCache>(),
            sp.GetRequiredService<IOptions<ApptainerOptions>>().Value,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<HostImageCache>>(),
            sp.GetRequiredService<RegistryLogins>()));
        services.TryAddSingleton<OverlayFactory>();
        services.TryAddSingleton<PlaceTransfer>();
        services.TryAddSingleton<InputStager>();
        services.TryAddSingleton<ITaskExecutor, TaskExecutor>();
        services.TryAddSingleton<WorkflowRunner>();
        services.AddDagonObservers(configuration);
        return services;
    }
}
