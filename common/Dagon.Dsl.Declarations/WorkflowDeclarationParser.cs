#nullable enable
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Dagon.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Dagon.Dsl.Declarations;

/// <summary>
/// Reads a <c>[Workflow]</c> class and its nested <c>[ApptainerTask]</c> and <c>[BatchTask]</c> classes into a
/// <see cref="WorkflowDeclaration"/>. The generator and the analyzers both call this, so they always agree on
/// what the user declared. It reads symbols and attribute syntax only (no semantic model), which keeps it cheap
/// enough for an analyzer's symbol action.
/// </summary>
internal static partial class WorkflowDeclarationParser
{
    public static WorkflowDeclaration? Parse(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var attribute = FindAttribute(type, WellKnownNames.WorkflowAttribute);
        if (attribute is null) return null;

        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        var declaration = attributeSyntax?.Parent?.Parent as TypeDeclarationSyntax
            ?? type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
        if (declaration is null) return null;

        var name = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;
        var nameSyntax = attributeSyntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals is null)?.Expression;
        var defaultImage = StringNamedArgument(attribute, attributeSyntax, "DefaultImage");
        var remove = NamedArgument(attribute, "Remove")?.Value as bool?;

        var tasks = new List<TaskDeclaration>();
        foreach (var member in type.GetTypeMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var task = ParseTask(type, member, cancellationToken);
            if (task is not null) tasks.Add(task);
        }

        var containing = new List<ContainingTypeDeclaration>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            var outerSyntax = outer.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
            if (outerSyntax is null) return null;
            containing.Insert(0, new ContainingTypeDeclaration(outer.Name, Keyword(outer), IsPartial(outerSyntax), LocationInfo.From(outerSyntax.Identifier)));
        }

        return new WorkflowDeclaration(
            Namespace: NamespaceName(type.ContainingNamespace),
            ContainingTypes: containing.ToEquatableArray(),
            ClassName: type.Name,
            Keyword: Keyword(type),
            IsPartial: IsPartial(declaration),
            IsGeneric: type.IsGenericType,
            Identifier: LocationInfo.From(declaration.Identifier),
            Name: name ?? string.Empty,
            NameLocation: nameSyntax is null ? null : LocationInfo.From(nameSyntax),
            DefaultImage: defaultImage?.Argument,
            Remove: remove,
            Tasks: tasks.ToEquatableArray())
        {
            Scheduler = attributeSyntax is null ? null : IntNamedArgument(attribute, attributeSyntax, "Scheduler"),
            Pull = attributeSyntax is null ? null : IntNamedArgument(attribute, attributeSyntax, "Pull"),
            Publish = NamedArgument(attribute, "Publish")?.Value as string,
        };
    }

    /// <summary>True for a class marked <c>[ApptainerTask]</c> or <c>[BatchTask]</c>, wherever it is declared.</summary>
    public static bool IsTask(ITypeSymbol type) => FindTaskAttributes(type).First is not null;

    public static bool IsWorkflow(ITypeSymbol type) => FindAttribute(type, WellKnownNames.WorkflowAttribute) is not null;

    /// <summary>The workflow name in <c>[Workflow("name")]</c>, without reading the rest of the declaration.</summary>
    public static string? WorkflowName(ITypeSymbol type) =>
        FindAttribute(type, WellKnownNames.WorkflowAttribute) is { ConstructorArguments.Length: > 0 } attribute
            ? attribute.ConstructorArguments[0].Value as string
            : null;

    private static TaskDeclaration? ParseTask(INamedTypeSymbol workflow, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var (attribute, kind, conflicting) = FindTaskAttributes(type);
        if (attribute is null) return null;

        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        var declaration = attributeSyntax?.Parent?.Parent as TypeDeclarationSyntax
            ?? type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
        if (declaration is null || attributeSyntax is null) return null;

        var nameArgument = StringNamedArgument(attribute, attributeSyntax, "Name");
        var command = StringNamedArgument(attribute, attributeSyntax, "Command");
        var parsedCommand = ParseCommand(type, command, cancellationToken);
        var binds = StringArrayArgument(attribute, attributeSyntax, "BindPaths");

        var dependencies = ParseDependencies(workflow, type, declaration, cancellationToken);

        var conflictingSyntax = conflicting?.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
        return new TaskDeclaration(
            Kind: kind,
            ConflictingAttribute: conflicting is null ? null : LocationInfo.From(conflictingSyntax ?? attributeSyntax),
            ClassName: type.Name,
            Name: nameArgument?.Argument.Value ?? type.Name,
            Identifier: LocationInfo.From(declaration.Identifier),
            Attribute: LocationInfo.From(attributeSyntax),
            NameLocation: nameArgument?.Argument.Location,
            IsPartial: IsPartial(declaration),
            IsStatic: type.IsStatic,
            BaseType: type.BaseType is { SpecialType: not SpecialType.System_Object } baseType && !IsGeneratedHandle(baseType, type)
                ? baseType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)
                : null,
            CommandKind: parsedCommand.Kind,
            Command: command?.Argument,
            BuildCommandLocation: parsedCommand.BuildCommandLocation,
            References: parsedCommand.References.ToEquatableArray(),
            MalformedReferences: parsedCommand.Malformed.ToEquatableArray(),
            Image: StringNamedArgument(attribute, attributeSyntax, "Image")?.Argument,
            OverlaySize: IntNamedArgument(attribute, attributeSyntax, "OverlaySize"),
            BindPaths: binds,
            TmpDir: NamedArgument(attribute, "TmpDir")?.Value as string,
            Remove: NamedArgument(attribute, "Remove")?.Value as bool?,
            Host: NamedArgument(attribute, "Host")?.Value as string,
            TimeoutSeconds: IntNamedArgument(attribute, attributeSyntax, "TimeoutSeconds"),
            DependsOn: dependencies.ToEquatableArray())
        {
            Isolation = IntNamedArgument(attribute, attributeSyntax, "Isolation"),
            GpuVendor = IntNamedArgument(attribute, attributeSyntax, "GpuVendor"),
            Pull = IntNamedArgument(attribute, attributeSyntax, "Pull"),
            Runscript = NamedArgument(attribute, "Runscript")?.Value is true
                ? LocationInfo.From((SyntaxNode?)NamedArgumentSyntax(attributeSyntax, "Runscript") ?? attributeSyntax)
                : null,
            ContainerOptions = StringArrayArgument(attribute, attributeSyntax, "ContainerOptions"),
            Slurm = ParseSlurm(attribute, attributeSyntax),
            Outputs = StringArrayArgument(attribute, attributeSyntax, "Outputs"),
            Publish = NamedArgument(attribute, "Publish")?.Value as string,
            Retries = NamedArgument(attribute, "Retries")?.Value is int retries and > 0 ? retries : null,
            RetryOnExitCodes = IntArrayArgument(attribute, attributeSyntax, "RetryOnExitCodes"),
            RetryOn = IntNamedArgument(attribute, attributeSyntax, "RetryOn"),
        };
    }

    /// <summary>A <c>string[]</c> property, each element located at its own expression when the array is written out.</summary>
    private static EquatableArray<StringArgument> StringArrayArgument(AttributeData attribute, AttributeSyntax attributeSyntax, string name)
    {
        var values = new List<StringArgument>();
        if (NamedArgument(attribute, name) is { Kind: TypedConstantKind.Array, IsNull: false } array)
        {
            var elements = ArrayElements(NamedArgumentSyntax(attributeSyntax, name));
            for (var i = 0; i < array.Values.Length; i++)
            {
                var node = elements is not null && i < elements.Count ? (SyntaxNode)elements[i] : (SyntaxNode?)NamedArgumentSyntax(attributeSyntax, name) ?? attributeSyntax;
                values.Add(new StringArgument(array.Values[i].Value as string ?? string.Empty, LocationInfo.From(node)));
            }
        }

        return values.ToEquatableArray();
    }

    /// <summary>
    /// The base the generator gives every task class (<c>ApptainerTaskHandle&lt;T&gt;</c> or <c>BatchTaskHandle&lt;T&gt;</c>,
    /// both deriving from <c>TaskHandle&lt;T&gt;</c>); seen on the symbol once generated code is part of the compilation.
    /// </summary>
    private static bool IsGeneratedHandle(INamedTypeSymbol baseType, INamedTypeSymbol task) =>
        baseType.OriginalDefinition.MetadataName is "ApptainerTaskHandle`1" or "BatchTaskHandle`1" or "TaskHandle`1"
        && baseType.ContainingNamespace is { Name: "Dagon", ContainingNamespace.IsGlobalNamespace: true }
        && SymbolEqualityComparer.Default.Equals(baseType.TypeArguments[0], task);

    private static SyntaxNode DependencyTargetSyntax(AttributeSyntax syntax)
    {
        var generic = syntax.Name as GenericNameSyntax ?? (syntax.Name as QualifiedNameSyntax)?.Right as GenericNameSyntax;
        if (generic is not null && generic.TypeArgumentList.Arguments.Count > 0) return generic.TypeArgumentList.Arguments[0];
        var argument = syntax.ArgumentList?.Arguments.FirstOrDefault()?.Expression;
        return argument is TypeOfExpressionSyntax typeOf ? typeOf.Type : (SyntaxNode?)argument ?? syntax;
    }

    /// <summary>
    /// The first <c>[ApptainerTask]</c> or <c>[BatchTask]</c> on <paramref name="type"/> in source order, its kind, and
    /// the attribute of the other kind when both are present. Batch tasks have no <c>Image</c>, <c>OverlaySize</c> or
    /// <c>BindPaths</c> properties, so reading those from a <c>[BatchTask]</c> finds nothing.
    /// </summary>
    private static (AttributeData? First, DeclaredTaskKind Kind, AttributeData? Conflicting) FindTaskAttributes(ITypeSymbol type)
    {
        AttributeData? first = null;
        var kind = DeclaredTaskKind.Apptainer;
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is not { } attributeClass) continue;
            var name = MetadataName(attributeClass);
            DeclaredTaskKind current;
            if (name == WellKnownNames.ApptainerTaskAttribute) current = DeclaredTaskKind.Apptainer;
            else if (name == WellKnownNames.BatchTaskAttribute) current = DeclaredTaskKind.Batch;
            else continue;

            if (first is null)
            {
                first = attribute;
                kind = current;
            }
            else if (current != kind)
            {
                return (first, kind, attribute);
            }
        }

        return (first, kind, null);
    }

    private static AttributeData? FindAttribute(ISymbol symbol, string metadataName)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass is { } attributeClass && MetadataName(attributeClass) == metadataName) return attribute;
        }

        return null;
    }

    private static string MetadataName(INamedTypeSymbol type) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName : type.MetadataName;

    private static TypedConstant? NamedArgument(AttributeData attribute, string name)
    {
        foreach (var pair in attribute.NamedArguments)
        {
            if (pair.Key == name) return pair.Value;
        }

        return null;
    }

    private static ExpressionSyntax? NamedArgumentSyntax(AttributeSyntax? syntax, string name) =>
        syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)?.Expression;

    private static (StringArgument Argument, ExpressionSyntax? Expression)? StringNamedArgument(AttributeData attribute, AttributeSyntax? syntax, string name)
    {
        if (NamedArgument(attribute, name)?.Value is not string value) return null;
        var expression = NamedArgumentSyntax(syntax, name);
        SyntaxNode node = (SyntaxNode?)expression ?? syntax!;
        return (new StringArgument(value, LocationInfo.From(node)), expression);
    }

    private static IntArgument? IntNamedArgument(AttributeData attribute, AttributeSyntax syntax, string name)
    {
        if (NamedArgument(attribute, name)?.Value is not int value) return null;
        return new IntArgument(value, LocationInfo.From((SyntaxNode?)NamedArgumentSyntax(syntax, name) ?? syntax));
    }

    private static IReadOnlyList<ExpressionSyntax>? ArrayElements(ExpressionSyntax? expression) => expression switch
    {
        ArrayCreationExpressionSyntax { Initializer: { } initializer } => initializer.Expressions,
        ImplicitArrayCreationExpressionSyntax creation => creation.Initializer.Expressions,
        CollectionExpressionSyntax collection => collection.Elements.OfType<ExpressionElementSyntax>().Select(e => e.Expression).ToList(),
        _ => null,
    };

    /// <summary>The namespace as written in metadata (<c>namespace</c>, not <c>@namespace</c>); the emitter escapes it.</summary>
    private static string NamespaceName(INamespaceSymbol? ns)
    {
        var name = string.Empty;
        for (; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace) name = name.Length == 0 ? ns.Name : ns.Name + "." + name;
        return name;
    }

    private static bool IsPartial(TypeDeclarationSyntax syntax) => syntax.Modifiers.Any(SyntaxKind.PartialKeyword);

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };
}
