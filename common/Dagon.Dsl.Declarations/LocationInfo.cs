#nullable enable
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Dagon.Dsl.Declarations;

/// <summary>
/// Where a diagnostic goes, without holding the syntax tree: <see cref="Location"/> keeps its tree alive and never
/// compares equal across compilations, which would defeat the generator's caching.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo From(SyntaxTree tree, TextSpan span) =>
        new LocationInfo(tree.FilePath, span, tree.GetLineSpan(span).Span);

    public static LocationInfo From(SyntaxNode node) => From(node.SyntaxTree, node.Span);

    public static LocationInfo From(SyntaxToken token) => From(token.SyntaxTree!, token.Span);
}
