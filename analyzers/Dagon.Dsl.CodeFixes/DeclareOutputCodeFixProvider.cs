using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dagon.Dsl.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Dagon.Dsl.CodeFixes;

/// <summary>DAG050: adds the referenced path to the producer's <c>Outputs</c> array.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DeclareOutputCodeFixProvider)), Shared]
public sealed class DeclareOutputCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.UndeclaredOutput.Id);

    public override FixAllProvider? GetFixAllProvider() => null;

    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue("OutputPath", out var path) || path is null) continue;
            if (diagnostic.AdditionalLocations.FirstOrDefault() is not { SourceTree: not null } producer) continue;
            var document = context.Document.Project.GetDocument(producer.SourceTree);
            if (document is null) continue;
            context.RegisterCodeFix(
                CodeAction.Create($"Declare '{path}' as an output", token => DeclareAsync(document, producer, path, token),
                    equivalenceKey: nameof(DeclareOutputCodeFixProvider) + path),
                diagnostic);
        }

        return Task.CompletedTask;
    }

    private static async Task<Solution> DeclareAsync(Document document, Location producer, string path, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root?.FindNode(producer.SourceSpan) is not { } node) return document.Project.Solution;
        var attribute = node as AttributeSyntax ?? node.FirstAncestorOrSelf<AttributeSyntax>();
        if (attribute is null) return document.Project.Solution;

        var literal = LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(path));
        // The diagnostic is reported only for producers that declare outputs, so the property is there.
        var existing = attribute.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == "Outputs");
        ExpressionSyntax? expression = existing?.Expression switch
        {
            ArrayCreationExpressionSyntax { Initializer: { } init } array => array.WithInitializer(init.AddExpressions(literal)),
            ImplicitArrayCreationExpressionSyntax implicitArray => implicitArray.WithInitializer(implicitArray.Initializer.AddExpressions(literal)),
            CollectionExpressionSyntax collection => collection.AddElements(ExpressionElement(literal)),
            _ => null,
        };
        if (existing is null || expression is null) return document.Project.Solution;
        var updated = attribute.ReplaceNode(existing, existing.WithExpression(expression));
        return document.WithSyntaxRoot(root.ReplaceNode(attribute, updated.WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation)))
            .Project.Solution;
    }
}
