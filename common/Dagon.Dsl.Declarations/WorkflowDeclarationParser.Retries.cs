#nullable enable
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dagon.Dsl.Declarations;

internal static partial class WorkflowDeclarationParser
{
    /// <summary>An <c>int[]</c> property, each element located at its own expression when the array is written out.</summary>
    private static EquatableArray<IntArgument> IntArrayArgument(AttributeData attribute, AttributeSyntax syntax, string name)
    {
        var values = new List<IntArgument>();
        if (NamedArgument(attribute, name) is { Kind: TypedConstantKind.Array, IsNull: false } array)
        {
            var whole = NamedArgumentSyntax(syntax, name);
            var elements = ArrayElements(whole);
            for (var i = 0; i < array.Values.Length; i++)
            {
                var node = elements is not null && i < elements.Count ? (SyntaxNode)elements[i] : (SyntaxNode?)whole ?? syntax;
                values.Add(new IntArgument(array.Values[i].Value is int value ? value : 0, LocationInfo.From(node)));
            }
        }

        return values.ToEquatableArray();
    }
}
