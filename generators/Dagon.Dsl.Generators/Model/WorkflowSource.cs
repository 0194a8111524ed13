#nullable enable
using System;
using System.Collections.Generic;
using System.Linq;
using Dagon.Dsl.Declarations;

namespace Dagon.Dsl.Generators.Model;

/// <summary>
/// What the emitter needs, without source locations: moving a workflow around in its file, or editing a comment
/// above it, changes the declaration's locations but leaves this model equal, so no source is regenerated.
/// </summary>
internal sealed record WorkflowSource(
    string HintName,
    string Namespace,
    EquatableArray<TypeHeader> ContainingTypes,
    TypeHeader Type,
    string Name,
    string? DefaultImage,
    bool? Remove,
    EquatableArray<TaskSource> Tasks)
{
    /// <summary><c>[Workflow(Scheduler = ...)]</c>: 0 Direct, 1 Slurm, null unset.</summary>
    public int? Scheduler { get; init; }
    public string? Publish { get; init; }

    /// <summary><c>[Workflow(Pull = ...)]</c> as a number; 0 (unset) emits nothing.</summary>
    public int Pull { get; init; }

    /// <summary>
    /// The emittable part of a declaration, or null when the generated code could not compile (a class that is not
    /// partial, duplicate task names). The analyzers report those; the generator stays quiet so that the user sees
    /// one diagnostic per mistake rather than a cascade of compiler errors.
    /// </summary>
    public static WorkflowSource? From(WorkflowDeclaration declaration)
    {
        if (!declaration.IsPartial || declaration.IsGeneric || declaration.ContainingTypes.Any(t => !t.IsPartial)) return null;
        if (declaration.Tasks.Any(t => !t.IsPartial || t.IsStatic || t.BaseType is not null || Array.IndexOf(WellKnownNames.GeneratedWorkflowMembers, t.ClassName) >= 0)) return null;
        if (declaration.Tasks.GroupBy(t => t.Name, StringComparer.Ordinal).Any(g => g.Count() > 1)) return null;

        var graph = new WorkflowGraph(declaration);
        var tasks = declaration.Tasks
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => new TaskSource(
                IsBatch: t.Kind == DeclaredTaskKind.Batch,
                ClassName: t.ClassName,
                Name: t.Name,
                Command: t.CommandKind == CommandKind.Constant ? t.Command?.Value : null,
                HasRunTimeCommand: t.CommandKind == CommandKind.RunTime,
                Image: t.Image?.Value,
                OverlaySize: t.OverlaySize?.Value,
                BindPaths: t.BindPaths.Select(b => b.Value).ToEquatableArray(),
                TmpDir: t.TmpDir,
                Remove: t.Remove,
                Host: t.Host,
                TimeoutSeconds: t.TimeoutSeconds?.Value,
                DependsOn: graph.DependenciesOf(t.Name).ToEquatableArray())
            {
                Isolation = t.Isolation?.Value ?? 0,
                GpuVendor = t.GpuVendor?.Value ?? 0,
                Pull = t.Pull?.Value ?? 0,
                Runscript = t.Runscript is not null,
                ContainerOptions = t.ContainerOptions.Select(o => o.Value).ToEquatableArray(),
                Slurm = SlurmSource.From(t.Slurm),
                Outputs = t.Outputs.Select(o => o.Value).ToEquatableArray(),
                Publish = t.Publish,
                Retries = t.Retries,
                RetryOnExitCodes = t.RetryOnExitCodes.Select(c => c.Value).ToEquatableArray(),
                RetryOn = t.RetryOn?.Value ?? 0,
            })
            .ToEquatableArray();

        var qualified = string.IsNullOrEmpty(declaration.Namespace)
            ? declaration.QualifiedClassName
            : declaration.Namespace + "." + declaration.QualifiedClassName;
        return new WorkflowSource(
            HintName: qualified + ".Workflow.g.cs",
            Namespace: declaration.Namespace,
            ContainingTypes: declaration.ContainingTypes.Select(t => new TypeHeader(t.Name, t.Keyword)).ToEquatableArray(),
            Type: new TypeHeader(declaration.ClassName, declaration.Keyword),
            Name: declaration.Name,
            DefaultImage: declaration.DefaultImage?.Value,
            Remove: declaration.Remove,
            Tasks: tasks)
        {
            Scheduler = declaration.Scheduler?.Value,
            Pull = declaration.Pull?.Value ?? 0,
            Publish = declaration.Publish,
        };
    }
}

internal sealed record TypeHeader(string Name, string Keyword);

internal sealed record TaskSource(
    bool IsBatch,
    string ClassName,
    string Name,
    string? Command,
    bool HasRunTimeCommand,
    string? Image,
    int? OverlaySize,
    EquatableArray<string> BindPaths,
    string? TmpDir,
    bool? Remove,
    string? Host,
    int? TimeoutSeconds,
    EquatableArray<string> DependsOn)
{
    /// <summary><c>Dagon.Model.ContainerIsolation</c> as a number; 0 (unset) emits nothing.</summary>
    public int Isolation { get; init; }

    /// <summary><c>Dagon.Model.GpuVendor</c> as a number; 0 (none) emits nothing.</summary>
    public int GpuVendor { get; init; }

    /// <summary><c>Dagon.Model.PullPolicy</c> as a number; 0 (unset) emits nothing.</summary>
    public int Pull { get; init; }

    public bool Runscript { get; init; }

    public EquatableArray<string> ContainerOptions { get; init; }
    public SlurmSource? Slurm { get; init; }

    public EquatableArray<string> Outputs { get; init; }

    public string? Publish { get; init; }

    public int? Retries { get; init; }

    public EquatableArray<int> RetryOnExitCodes { get; init; }

    /// <summary>The value of <c>Dagon.Model.RetryOn</c>; 0 when unset.</summary>
    public int RetryOn { get; init; }
}
