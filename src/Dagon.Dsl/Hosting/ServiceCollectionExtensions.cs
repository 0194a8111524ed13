using Dagon.Execution;
using Dagon.Execution.Apptainer;
using Dagon.Execution.Ssh;
using Dagon.Staging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dagon.Hosting;

public static class ServiceCollectionExtensions
{
    /// <summary>Registers the runner, the staging service and the local Apptainer backend, bound to dagon.ini's sections.</summary>
    public static IServiceCollection AddDagon(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DagonOptions>(configuration.GetSection(DagonOptions.Section));
        services.Configure<ApptainerOptions>(configuration.GetSection(ApptainerOptions.Section));
        services.TryAddSingleton(sp => new ImageCache(
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApptainerOptions>>().Value,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ImageCache>>()));
        services.TryAddSingleton<InputStager>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskBackend, ApptainerBackend>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskBackend, Execution.Native.NativeBackend>());
        services.TryAddSingleton<WorkflowRunner>();
        services.AddDagonSsh(configuration);
        return services;
    }
}
