#nullable enable
using Dagon.Dsl.Declarations;
using Dagon.Dsl.Generators.Emit;
using Dagon.Dsl.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dagon.Dsl.Generators;

/// <summary>
/// Turns each <c>[Workflow]</c> class into the fluent-API calls that build it, typed task handles, and
/// <c>CreateBuilder</c>/<c>Build</c>/<c>Configure</c>/<c>RunAsync</c> entry points.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class WorkflowGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var sources = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                WellKnownNames.WorkflowAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (context, cancellationToken) => WorkflowDeclarationParser.Parse((INamedTypeSymbol)context.TargetSymbol, cancellationToken))
            .WithTrackingName(TrackingNames.Declarations)
            .Select(static (declaration, _) => declaration is null ? null : WorkflowSource.From(declaration))
            .WithTrackingName(TrackingNames.Sources);

        var projectDirectory = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) =>
                options.GlobalOptions.TryGetValue(WellKnownNames.ProjectDirectoryProperty, out var directory) && directory.Trim().Length > 0
                    ? directory
                    : null)
            .WithTrackingName(TrackingNames.ProjectDirectory);

        var outputs = sources
            .Combine(projectDirectory)
            .WithTrackingName(TrackingNames.Outputs);

        context.RegisterSourceOutput(outputs, static (context, pair) =>
        {
            var (source, directory) = pair;
            if (source is null) return;
            context.AddSource(source.HintName, WorkflowEmitter.Emit(source, directory));
        });
    }
}
