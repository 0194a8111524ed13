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
        var commandKind = CommandKind.Missing;
        LocationInfo? buildCommandLocation = null;
        var references = new List<ReferenceDeclaration>();
        var malformed = new List<MalformedReferenceDeclaration>();
        if (command is not null)
        {
            commandKind = CommandKind.Constant;
            var map = StringValueMap.Create(command.Value.Argument.Value, command.Value.Expression);
            var bad = new List<MalformedReference>();
            foreach (var reference in WorkflowReferenceParser.Parse(command.Value.Argument.Value, bad))
            {
                var (location, exact) = map.Locate(reference.TaskStart, reference.Task.Length);
                var path = reference.Path.Length == 0 ? default : map.Locate(reference.TaskStart + reference.Task.Length + 1, reference.Path.Length);
                references.Add(new ReferenceDeclaration(reference.Workflow, reference.Task, reference.Text, location, exact)
                {
                    Path = reference.Path,
                    PathLocation = path.Exact ? path.Location : null,
                });
            }

            foreach (var reference in bad)
            {
                malformed.Add(new MalformedReferenceDeclaration(reference.Text, map.Locate(reference.Start, reference.Length).Location));
            }
        }
        else if (type.GetMembers(WellKnownNames.BuildCommandMethod).OfType<IMethodSymbol>()
                     .FirstOrDefault(m => m.IsStatic && m.Parameters.Length == 0 && m.ReturnType.SpecialType == SpecialType.System_String) is { } method)
        {
            commandKind = CommandKind.RunTime;
            var methodSyntax = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as MethodDeclarationSyntax;
            buildCommandLocation = methodSyntax is null ? null : LocationInfo.From(methodSyntax.Identifier);
        }

        var binds = StringArrayArgument(attribute, attributeSyntax, "BindPaths");

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

        var timeout = IntNamedArgument(attribute, attributeSyntax, "TimeoutSeconds");
        var overlay = IntNamedArgument(attribute, attributeSyntax, "OverlaySize");
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
            CommandKind: commandKind,
            Command: command?.Argument,
            BuildCommandLocation: buildCommandLocation,
            References: references.ToEquatableArray(),
            MalformedReferences: malformed.ToEquatableArray(),
            Image: StringNamedArgument(attribute, attributeSyntax, "Image")?.Argument,
            OverlaySize: overlay,
            BindPaths: binds,
            TmpDir: NamedArgument(attribute, "TmpDir")?.Value as string,
            Remove: NamedArgument(attribute, "Remove")?.Value as bool?,
            Host: NamedArgument(attribute, "Host")?.Value as string,
            TimeoutSeconds: timeout,
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

/// <summary>
/// Maps a position in a constant string back to source. A constant may be a literal or a <c>+</c> chain of
/// literals and constants; each literal whose source text spells its value verbatim maps character by
/// character, anything else (escapes, named constants, multi-line raw strings) maps to the whole piece.
/// </summary>
internal sealed class StringValueMap
{
    private readonly List<Piece> _pieces;
    private readonly SyntaxTree? _tree;
    private readonly TextSpan _whole;

    private StringValueMap(SyntaxTree? tree, TextSpan whole, List<Piece> pieces)
    {
        _tree = tree;
        _whole = whole;
        _pieces = pieces;
    }

    public static StringValueMap Create(string value, ExpressionSyntax? expression)
    {
        if (expression is null) return new StringValueMap(null, default, new List<Piece>());

        var leaves = new List<ExpressionSyntax>();
        Flatten(expression, leaves);
        var known = 0;
        var unknown = 0;
        foreach (var leaf in leaves)
        {
            if (leaf is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } literal) known += literal.Token.ValueText.Length;
            else unknown++;
        }

        var pieces = new List<Piece>();
        // With more than one named constant the split of the value between them is unknown without a semantic model.
        if (unknown <= 1 && known <= value.Length)
        {
            var start = 0;
            foreach (var leaf in leaves)
            {
                if (leaf is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } literal)
                {
                    var text = literal.Token.ValueText;
                    pieces.Add(new Piece(start, text.Length, leaf.Span, ContentOffset(literal.Token)));
                    start += text.Length;
                }
                else
                {
                    var length = value.Length - known;
                    pieces.Add(new Piece(start, length, leaf.Span, -1));
                    start += length;
                }
            }
        }

        return new StringValueMap(expression.SyntaxTree, expression.Span, pieces);
    }

    public (LocationInfo Location, bool Exact) Locate(int start, int length)
    {
        if (_tree is null) return (new LocationInfo(string.Empty, default, default), false);
        foreach (var piece in _pieces)
        {
            if (start < piece.Start || start >= piece.Start + piece.Length) continue;
            if (piece.ContentOffset >= 0 && start + length <= piece.Start + piece.Length)
            {
                var span = new TextSpan(piece.Span.Start + piece.ContentOffset + start - piece.Start, length);
                return (LocationInfo.From(_tree, span), true);
            }

            return (LocationInfo.From(_tree, piece.Span), false);
        }

        return (LocationInfo.From(_tree, _whole), false);
    }

    private static void Flatten(ExpressionSyntax expression, List<ExpressionSyntax> leaves)
    {
        switch (expression)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                Flatten(parenthesized.Expression, leaves);
                break;
            case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.AddExpression):
                Flatten(binary.Left, leaves);
                Flatten(binary.Right, leaves);
                break;
            default:
                leaves.Add(expression);
                break;
        }
    }

    /// <summary>Where the value starts inside the token's text, or -1 when the text does not spell the value verbatim.</summary>
    private static int ContentOffset(SyntaxToken token)
    {
        var text = token.Text;
        var lead = 0;
        while (lead < text.Length && (text[lead] == '@' || text[lead] == '$')) lead++;
        var quotes = 0;
        while (lead + quotes < text.Length && text[lead + quotes] == '"') quotes++;
        var contentStart = lead + quotes;
        var contentLength = text.Length - contentStart - quotes;
        if (contentLength < 0) return -1;
        return string.CompareOrdinal(text, contentStart, token.ValueText, 0, System.Math.Max(contentLength, token.ValueText.Length)) == 0
               && contentLength == token.ValueText.Length
            ? contentStart
            : -1;
    }

    private readonly struct Piece
    {
        public Piece(int start, int length, TextSpan span, int contentOffset)
        {
            Start = start;
            Length = length;
            Span = span;
            ContentOffset = contentOffset;
        }

        public int Start { get; }
        public int Length { get; }
        public TextSpan Span { get; }
        public int ContentOffset { get; }
    }
}
