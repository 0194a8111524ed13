using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Dagon.Dsl.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;

namespace Dagon.Dsl.CodeFixes;

/// <summary>DAG001: replaces the unknown task name inside the string literal with the closest existing one.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnknownTaskCodeFixProvider)), Shared]
public sealed class UnknownTaskCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnknownTask.Id);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var text = await context.Document.GetTextAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            // The analyzer offers a suggestion only when the span covers exactly the name's characters.
            if (!diagnostic.Properties.TryGetValue(WorkflowAnalyzer.SuggestionProperty, out var suggestion) || suggestion is null) continue;
            if (!diagnostic.Properties.TryGetValue(WorkflowAnalyzer.UnknownNameProperty, out var unknown)) continue;
            var span = diagnostic.Location.SourceSpan;
            if (text.ToString(span) != unknown) continue;

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Change '{unknown}' to '{suggestion}'",
                    _ => Task.FromResult(context.Document.WithText(text.WithChanges(new TextChange(span, suggestion)))),
                    equivalenceKey: nameof(UnknownTaskCodeFixProvider) + suggestion),
                diagnostic);
        }
    }
}
