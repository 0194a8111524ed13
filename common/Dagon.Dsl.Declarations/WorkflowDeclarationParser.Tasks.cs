#nullable enable
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Dagon.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dagon.Dsl.Declarations;

/// <summary>A task's command and its dependencies, as <see cref="ParseTask"/> reads them.</summary>
internal static partial class WorkflowDeclarationParser
{
    private sealed class ParsedCommand
    {
        public CommandKind Kind { get; set; } = CommandKind.Missing;

        public LocationInfo? BuildCommandLocation { get; set; }

        public List<ReferenceDeclaration> References { get; } = new();

        public List<MalformedReferenceDeclaration> Malformed { get; } = new();
    }

    /// <summary>
    /// A constant <c>Command</c> with each <c>workflow://</c> reference located in source (well-formed or not), or a
    /// static <c>BuildCommand()</c> whose value is known only when the workflow runs.
    /// </summary>
    private static ParsedCommand ParseCommand(INamedTypeSymbol type, (StringArgument Argument, ExpressionSyntax? Expression)? command,
        CancellationToken cancellationToken)
    {
        var parsed = new ParsedCommand();
        if (command is not null)
        {
            parsed.Kind = CommandKind.Constant;
            var map = StringValueMap.Create(command.Value.Argument.Value, command.Value.Expression);
            var bad = new List<MalformedReference>();
            foreach (var reference in WorkflowReferenceParser.Parse(command.Value.Argument.Value, bad))
            {
                var (location, exact) = map.Locate(reference.TaskStart, reference.Task.Length);
                var path = reference.Path.Length == 0 ? default : map.Locate(reference.TaskStart + reference.Task.Length + 1, reference.Path.Length);
                parsed.References.Add(new ReferenceDeclaration(reference.Workflow, reference.Task, reference.Text, location, exact)
                {
                    Path = reference.Path,
                    PathLocation = path.Exact ? path.Location : null,
                });
            }

            foreach (var reference in bad)
            {
                parsed.Malformed.Add(new MalformedReferenceDeclaration(reference.Text, map.Locate(reference.Start, reference.Length).Location));
            }
        }
        else if (type.GetMembers(WellKnownNames.BuildCommandMethod).OfType<IMethodSymbol>()
                     .FirstOrDefault(m => m.IsStatic && m.Parameters.Length == 0 && m.ReturnType.SpecialType == SpecialType.System_String) is { } method)
        {
            parsed.Kind = CommandKind.RunTime;
            var methodSyntax = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as MethodDeclarationSyntax;
            parsed.BuildCommandLocation = methodSyntax is null ? null : LocationInfo.From(methodSyntax.Identifier);
        }

        return parsed;
    }

    /// <summary>
    /// Each <c>[DependsOn(typeof(T))]</c> or <c>[DependsOn&lt;T&gt;]</c>, located at its target, with the task's name
    /// when the target is a task of the same workflow (the analyzers report the others).
    /// </summary>
    private static List<DependencyDeclaration> ParseDependencies(INamedTypeSymbol workflow, INamedTypeSymbol type, TypeDeclarationSyntax declaration,
        CancellationToken cancellationToken)
    {
        var dependencies = new List<DependencyDeclaration>();
        foreach (var dependsOn in type.GetAttributes())
        {
            var attributeClass = dependsOn.AttributeClass;
            if (attributeClass is null) continue;
            var metadataName = MetadataName(attributeClass.OriginalDefinition);
            ITypeSymbol? target;
            if (metadataName == WellKnownNames.DependsOnAttribute)
            {
                target = dependsOn.ConstructorArguments.Length == 1 ? dependsOn.ConstructorArguments[0].Value as ITypeSymbol : null;
            }
            else if (metadataName == WellKnownNames.GenericDependsOnAttribute)
            {
                target = attributeClass.TypeArguments.FirstOrDefault();
            }
            else
            {
                continue;
            }

            var syntax = dependsOn.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            var location = syntax is null ? LocationInfo.From(declaration.Identifier) : LocationInfo.From(DependencyTargetSyntax(syntax));
            var isTaskOfWorkflow = target is INamedTypeSymbol named
                && SymbolEqualityComparer.Default.Equals(named.ContainingType, workflow)
                && IsTask(named);
            dependencies.Add(new DependencyDeclaration(
                target?.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) ?? "?",
                isTaskOfWorkflow ? target!.Name : null,
                location));
        }

        return dependencies;
    }
}
