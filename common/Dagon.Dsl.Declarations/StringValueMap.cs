#nullable enable
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Dagon.Dsl.Declarations;

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
