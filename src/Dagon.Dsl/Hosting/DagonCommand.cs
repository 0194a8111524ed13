using Microsoft.Extensions.Hosting;
using System.Reflection;
using Dagon.CommandLine;
using Dagon.Execution;
using Dagon.Journal;
using Dagon.Model;
using Dagon.Reporting;
using Dagon.Running;
using Dagon.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dagon.Hosting;

/// <summary>
/// Does what the command line asked for: answers <c>--help</c>, <c>--version</c> and usage errors without building
/// a host; otherwise plans, selects the tasks, and draws the plan, checks everything (<c>--dry-run</c>) or runs.
/// </summary>
internal static class DagonCommand
{
    public static string ProgramName => Assembly.GetEntryAssembly()?.GetName().Name ?? "dagon";

    /// <summary>Help, version or usage errors: nothing is configured, checked or run.</summary>
    public static int Answer(CommandLineRequest request, DagonCommandLine commandLine, Func<IReadOnlyList<WorkflowDefinition>> workflows)
    {
        switch (request.Kind)
        {
            case RequestKind.Help:
                IReadOnlyList<WorkflowDefinition>? built = null;
                string? error = null;
                try
                {
                    built = workflows();
                }
                catch (WorkflowValidationException exception)
                {
                    error = exception.Message;
                }

                Console.Out.Write(HelpText.Format(ProgramName, commandLine, built, error));
                return ExitCodes.Success;
            case RequestKind.Version:
                Console.Out.WriteLine(HelpText.Version(ProgramName, Assembly.GetEntryAssembly()));
                return ExitCodes.Success;
            default:
                foreach (var message in request.Errors) Console.Error.WriteLine($"{ProgramName}: {message}");
                Console.Error.WriteLine($"Run '{ProgramName} --help' to see every switch.");
                return ExitCodes.Invalid;
        }
    }

    /// <exception cref="TaskSelectionException">The selected tasks cannot run as a sub-plan.</exception>
    public static async Task<int> ExecuteAsync(IServiceProvider services, CommandLineRequest request, IReadOnlyList<WorkflowDefinition> workflows,
        CancellationToken cancellationToken)
    {
        var settings = services.GetRequiredService<IOptions<DagonOptions>>().Value;
        if (request.State is { } state)
        {
            return await StateCommand.ExecuteAsync(state, settings, services.GetRequiredService<PlaceDirectory>(), Console.Out, cancellationToken)
                .ConfigureAwait(false);
        }

        var full = ExecutionPlan.Create(workflows, settings.Image);
        var selected = PlanSelection.Resolve(full, request.Selection);
        if (request.Plan is { } format) Console.Out.Write(PlanDrawing.Draw(full, selected, format));
        var plan = request.Selection.IsEverything ? full : full.Subset(selected);
        if (!request.Selection.IsEverything && (request.Runs || request.DryRun))
        {
            var skipped = full.Tasks.Where(t => !selected[t.Index]).Select(t => t.DisplayName).ToList();
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Dagon").LogInformation(
                "Selected {Count} of {Total} tasks; left out: {Skipped}", plan.Tasks.Count, full.Tasks.Count,
                skipped.Count == 0 ? "none" : string.Join(", ", skipped));
        }

        if (request.DryRun)
        {
            var report = await ActivatorUtilities.CreateInstance<RunPreflight>(services).CheckAsync(plan, cancellationToken).ConfigureAwait(false);
            Console.Out.Write(report.Format(plan.Tasks.Count));
            return report.CouldRun ? ExitCodes.Success : ExitCodes.Failed;
        }

        if (!request.Runs) return ExitCodes.Success;
        var result = await services.GetRequiredService<WorkflowRunner>().RunAsync(plan, cancellationToken).ConfigureAwait(false);
        await WriteSummaryAsync(result).ConfigureAwait(false);
        // A run stopped by a signal exits with 128 + its number (SIGINT 130, SIGTERM 143, SIGHUP 129), as shells expect.
        return result.Cancelled && services.GetService<IHostLifetime>() is CancelKeyLifetime { ExitCode: { } signalled } ? signalled : result.ExitCode;
    }

    /// <summary>The summary after the log; after SIGHUP the terminal may be gone, which must not change the exit code.</summary>
    private static async Task WriteSummaryAsync(RunResult result)
    {
        try
        {
            await Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false); // let the console logger drain first
            Console.Out.Write(RunSummary.Format(result));
            await Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
    }

}
