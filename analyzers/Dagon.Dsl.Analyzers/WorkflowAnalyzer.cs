#nullable enable
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dagon.Dsl.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using static Dagon.Dsl.Analyzers.DiagnosticDescriptors;

namespace Dagon.Dsl.Analyzers;

/// <summary>
/// Checks each <c>[Workflow]</c> class as a whole (the graph, the images, every task) and every
/// <c>[ApptainerTask]</c> and <c>[BatchTask]</c> class's placement. Reads declarations with the same parser the generator uses.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WorkflowAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property holding the closest existing task name, for the code fix of DAG001.</summary>
    public const string SuggestionProperty = "Suggestion";

    /// <summary>Diagnostic property holding the unknown task name, for the code fix of DAG001.</summary>
    public const string UnknownNameProperty = "UnknownName";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        UnknownTask, DependencyCycle, SelfDependency, MissingImage, MalformedImage, ImageFileNotFound, DuplicateTaskName,
        NotPartial, TaskOutsideWorkflow, DependsOnNonTask, InvalidBind, InvalidOverlaySize, EmptyCommand,
        UnknownWorkflow, RunTimeCommand, MalformedReference, NonPositiveTimeout, EmptyWorkflowName,
        ReservedTaskClassName, UnsupportedClassShape, UnreferenceableName, ConflictingTaskKinds,
        UnknownIsolation, UnknownGpuVendor, RefusedContainerOption, UnknownPullPolicy,
        MalformedSlurmTime, NonPositiveSlurmCount, InvalidSlurmOption, SlurmResourcesOnDirectTask, UndeclaredOutput,
        RetryNeverMatches);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var compilation = start.Compilation;
            var workflowNames = new Lazy<HashSet<string>>(() => CollectWorkflowNames(compilation.Assembly.GlobalNamespace));
            start.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(WellKnownNames.ProjectDirectoryProperty, out var projectDirectory);
            start.RegisterSymbolAction(
                symbolContext => AnalyzeType(symbolContext, workflowNames, string.IsNullOrWhiteSpace(projectDirectory) ? null : projectDirectory),
                SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, Lazy<HashSet<string>> workflowNames, string? projectDirectory)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (WorkflowDeclarationParser.IsTask(type) && (type.ContainingType is null || !WorkflowDeclarationParser.IsWorkflow(type.ContainingType)))
        {
            foreach (var location in type.Locations.Take(1))
            {
                context.ReportDiagnostic(Diagnostic.Create(TaskOutsideWorkflow, location, type.Name));
            }
        }

        if (!WorkflowDeclarationParser.IsWorkflow(type)) return;
        var workflow = WorkflowDeclarationParser.Parse(type, context.CancellationToken);
        if (workflow is null) return;
        new WorkflowChecks(context.Compilation, workflow, workflowNames, projectDirectory, context.ReportDiagnostic).Run();
    }

    private static HashSet<string> CollectWorkflowNames(INamespaceSymbol root)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var namespaces = new Stack<INamespaceOrTypeSymbol>();
        namespaces.Push(root);
        while (namespaces.Count > 0)
        {
            var current = namespaces.Pop();
            foreach (var member in current.GetMembers())
            {
                if (member is INamespaceSymbol ns) namespaces.Push(ns);
                else if (member is INamedTypeSymbol nested)
                {
                    namespaces.Push(nested);
                    if (WorkflowDeclarationParser.WorkflowName(nested) is { } name) names.Add(name);
                }
            }
        }

        return names;
    }
}
