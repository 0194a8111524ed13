#nullable enable
using System;
using System.Collections.Immutable;
using System.Linq;
using Dagon.Dsl.Declarations;
using Dagon.Rules;
using Microsoft.CodeAnalysis;
using static Dagon.Dsl.Analyzers.DiagnosticDescriptors;

namespace Dagon.Dsl.Analyzers;

/// <summary>
/// DAG050: a <c>workflow:///A/x</c> reference to a task that declares outputs, none of which covers <c>x</c>
/// (<see cref="OutputPatterns.Covers"/>, the rule the runtime checks outputs with). Reported on the characters of
/// <c>x</c>; the producer's task attribute travels as an additional location for the code fix that declares it.
/// </summary>
internal static class OutputChecks
{
    public const string PathProperty = "OutputPath";

    public static void Check(WorkflowDeclaration workflow, TaskDeclaration task, Func<LocationInfo, Location> locate, Action<Diagnostic> report)
    {
        foreach (var reference in task.References)
        {
            if (reference.Path.Length == 0 || !WorkflowGraph.IsLocal(workflow, reference)) continue;
            var producer = workflow.Tasks.FirstOrDefault(t => t.Name == reference.Task);
            if (producer is null || producer.Outputs.Count == 0) continue;
            if (OutputPatterns.AnyCovers(producer.Outputs.Select(o => o.Value), reference.Path)) continue;

            var location = locate(reference.PathLocation ?? reference.TaskLocation);
            var properties = ImmutableDictionary<string, string?>.Empty.Add(PathProperty, OutputPatterns.Normalize(reference.Path));
            report(Diagnostic.Create(UndeclaredOutput, location, new[] { locate(producer.Attribute) }, properties,
                task.Name, reference.Path, producer.Name));
        }
    }
}
