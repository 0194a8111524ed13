using Dagon.CommandLine;
using Dagon.Containers;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Places.Ssh;
using Dagon.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dagon.Hosting;

/// <summary>
/// Runs workflows from a program's <c>Main</c>: <c>return await DagonHost.RunAsync(workflow, args);</c>.
/// Settings come from dagon.ini (current directory, or <c>--config FILE</c>), then <c>DAGON_</c> environment
/// variables (<c>DAGON_apptainer__image_cache_dir</c>), then the command line, later sources winning.
/// </summary>
public static class DagonHost
{
    /// <summary>Exit code for a workflow that cannot run at all (invalid definition, unreadable configuration).</summary>
    public const int InvalidWorkflowExitCode = 2;

    private static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--image"] = "dagon:image",
        ["--parallelism"] = "dagon:max_parallelism",
        ["-j"] = "dagon:max_parallelism",
        ["--tmp-dir"] = "dagon:tmp_dir",
        ["--remove"] = "dagon:remove",
        ["--json"] = "dagon:json",
        ["--image-cache"] = "apptainer:image_cache_dir",
        ["--apptainer"] = "apptainer:executable",
        ["--overlay"] = "apptainer:overlay",
        ["--config"] = "config",
    };

    /// <summary>A host builder with Dagon's configuration sources, logging and services; add your own before building.</summary>
    public static HostApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
        var commandLine = new ConfigurationBuilder().AddCommandLine(args, SwitchMappings).Build();
        var configPath = commandLine["config"] ?? Environment.GetEnvironmentVariable("DAGON_CONFIG");
        if (configPath is not null)
        {
            if (!File.Exists(configPath)) throw new FileNotFoundException($"Configuration file '{Path.GetFullPath(configPath)}' does not exist", configPath);
            builder.Configuration.AddIniFile(Path.GetFullPath(configPath), optional: false, reloadOnChange: false);
        }
        else
        {
            builder.Configuration.AddIniFile(Path.Combine(Directory.GetCurrentDirectory(), "dagon.ini"), optional: true, reloadOnChange: false);
        }

        DagOnStarKeys.AddAliases(builder.Configuration);
        builder.Configuration.AddEnvironmentVariables("DAGON_");
        builder.Configuration.AddCommandLine(args, SwitchMappings);

        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("logging"));
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddConsole(o => o.FormatterName = DagonConsoleFormatter.FormatterName)
            .AddConsoleFormatter<DagonConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
        ProgressModes.FilterConsoleLog(builder.Logging, ProgressModes.Resolve(builder.Configuration));
        builder.Services.AddSingleton<IHostLifetime, CancelKeyLifetime>();

        builder.Services.AddDagon(builder.Configuration).AddDagonSsh(builder.Configuration);
        return builder;
    }

    public static Task<int> RunAsync(WorkflowBuilder workflow, string[] args, CancellationToken cancellationToken = default) =>
        RunAsync(() => [workflow.Build()], args, cancellationToken);

    public static Task<int> RunAsync(WorkflowDefinition workflow, string[] args, CancellationToken cancellationToken = default) =>
        RunAsync(() => [workflow], args, cancellationToken);

    public static Task<int> RunAsync(IReadOnlyList<WorkflowDefinition> workflows, string[] args, CancellationToken cancellationToken = default) =>
        RunAsync(() => workflows, args, cancellationToken);

    private static async Task<int> RunAsync(Func<IReadOnlyList<WorkflowDefinition>> workflows, string[] args, CancellationToken cancellationToken)
    {
        var commandLine = new DagonCommandLine(SwitchMappings);
        var request = commandLine.Parse(args);
        if (request.Kind != RequestKind.Run) return DagonCommand.Answer(request, commandLine, workflows);
        IHost host;
        try
        {
            host = CreateBuilder([.. request.ConfigurationArguments]).Build();
        }
        catch (Exception exception) when (exception is FileNotFoundException or InvalidDataException or FormatException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"dagon: cannot load configuration: {exception.Message}").ConfigureAwait(false);
            return InvalidWorkflowExitCode;
        }

        using (host)
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Dagon");
            int exitCode;
            try
            {
                ValidateSettings(host.Services);
                exitCode = await DagonCommand.ExecuteAsync(host.Services, request, workflows(), cancellation.Token).ConfigureAwait(false);
            }
            catch (WorkflowValidationException exception)
            {
                logger.LogError("{Message}", exception.Message);
                exitCode = InvalidWorkflowExitCode;
            }
            catch (TaskSelectionException exception)
            {
                logger.LogError("{Message}", exception.Message);
                exitCode = InvalidWorkflowExitCode;
            }
            catch (InvalidSettingException exception)
            {
                logger.LogError("{Message}", exception.Message);
                exitCode = InvalidWorkflowExitCode;
            }
            catch (Running.InvalidRunSettingException exception)
            {
                logger.LogError("{Message}", exception.Message);
                exitCode = InvalidWorkflowExitCode;
            }

            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return exitCode;
        }
    }

    /// <summary>Binds every options section once, so a setting of the wrong type fails here with its name.</summary>
    private static void ValidateSettings(IServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DagonOptions>>().Value;
            _ = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApptainerOptions>>().Value;
            _ = services.GetRequiredService<LocalFiles.ContainerUserAccess>();
            _ = services.GetRequiredService<Images.ImageCache>().Directory;
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidSettingException($"Invalid setting in dagon.ini, the environment or the command line: {exception.Message}");
        }
    }

    private sealed class InvalidSettingException(string message) : Exception(message);
}
