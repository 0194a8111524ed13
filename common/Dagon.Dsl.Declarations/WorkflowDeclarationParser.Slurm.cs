#nullable enable
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dagon.Dsl.Declarations;

internal static partial class WorkflowDeclarationParser
{
    /// <summary>The scheduler and Slurm arguments of a task attribute; each element of <c>SlurmOptions</c> keeps its own location.</summary>
    private static SlurmDeclaration ParseSlurm(AttributeData attribute, AttributeSyntax syntax)
    {
        var options = new List<StringArgument>();
        if (NamedArgument(attribute, "SlurmOptions") is { Kind: TypedConstantKind.Array, IsNull: false } values)
        {
            var whole = NamedArgumentSyntax(syntax, "SlurmOptions");
            var elements = ArrayElements(whole);
            for (var i = 0; i < values.Values.Length; i++)
            {
                var node = elements is not null && i < elements.Count ? (SyntaxNode)elements[i] : (SyntaxNode?)whole ?? syntax;
                options.Add(new StringArgument(values.Values[i].Value as string ?? string.Empty, LocationInfo.From(node)));
            }
        }

        return new SlurmDeclaration(
            Scheduler: IntNamedArgument(attribute, syntax, "Scheduler"),
            Cpus: IntNamedArgument(attribute, syntax, "Cpus"),
            MemoryMb: IntNamedArgument(attribute, syntax, "MemoryMb"),
            Time: StringNamedArgument(attribute, syntax, "Time")?.Argument,
            Gpus: IntNamedArgument(attribute, syntax, "Gpus"),
            Partition: StringNamedArgument(attribute, syntax, "Partition")?.Argument,
            Account: StringNamedArgument(attribute, syntax, "Account")?.Argument,
            Qos: StringNamedArgument(attribute, syntax, "Qos")?.Argument,
            Nodes: IntNamedArgument(attribute, syntax, "Nodes"),
            TasksPerNode: IntNamedArgument(attribute, syntax, "TasksPerNode"),
            Options: options.ToEquatableArray());
    }
}
