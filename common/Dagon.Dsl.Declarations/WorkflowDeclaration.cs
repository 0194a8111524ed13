#nullable enable

namespace Dagon.Dsl.Declarations;

/// <summary>
/// Everything the generator and the analyzers need from one <c>[Workflow]</c> class, copied out of the symbols.
/// Records of strings, numbers, <see cref="EquatableArray{T}"/> and <see cref="LocationInfo"/> only, so that
/// equal declarations compare equal across compilations.
/// </summary>
internal sealed record WorkflowDeclaration(
    string Namespace,
    EquatableArray<ContainingTypeDeclaration> ContainingTypes,
    string ClassName,
    string Keyword,
    bool IsPartial,
    bool IsGeneric,
    LocationInfo Identifier,
    string Name,
    LocationInfo? NameLocation,
    StringArgument? DefaultImage,
    bool? Remove,
    EquatableArray<TaskDeclaration> Tasks)
{
    /// <summary><c>[Workflow(Scheduler = ...)]</c> as written (0 Direct, 1 Slurm), or null.</summary>
    public IntArgument? Scheduler { get; init; }

    /// <summary><c>[Workflow(Pull = ...)]</c> as its enum's number (0 unset), or null.</summary>
    public IntArgument? Pull { get; init; }

    /// <summary>Default publish folder of the workflow's tasks.</summary>
    public string? Publish { get; init; }

    /// <summary><c>Outer.Inner.Workflow</c> without the namespace; the generated file is named after it.</summary>
    public string QualifiedClassName
    {
        get
        {
            var name = ClassName;
            for (var i = ContainingTypes.Count - 1; i >= 0; i--) name = ContainingTypes[i].Name + "." + name;
            return name;
        }
    }
}

/// <summary>A type the workflow class is nested in, outermost first; it must be partial too.</summary>
internal sealed record ContainingTypeDeclaration(string Name, string Keyword, bool IsPartial, LocationInfo Identifier);

internal enum CommandKind
{
    /// <summary>No command at all.</summary>
    Missing,
    /// <summary>A constant in the attribute: its references are checked and become edges at compile time.</summary>
    Constant,
    /// <summary><c>static string BuildCommand()</c> on the task class: known only at run time.</summary>
    RunTime,
}

/// <summary>Which attribute declared a task, and so how the runtime runs it (<c>Dagon.Model.TaskKind</c>).</summary>
internal enum DeclaredTaskKind
{
    /// <summary><c>[ApptainerTask]</c>: in an Apptainer container.</summary>
    Apptainer,
    /// <summary><c>[BatchTask]</c>: a shell command on the host; no image, bind paths or overlay.</summary>
    Batch,
}

/// <summary>
/// One task class. <see cref="Kind"/> and every setting come from the task attribute that is first in source order;
/// <see cref="ConflictingAttribute"/> is the other kind's attribute when the class carries both (DAG022).
/// </summary>
internal sealed record TaskDeclaration(
    DeclaredTaskKind Kind,
    LocationInfo? ConflictingAttribute,
    string ClassName,
    string Name,
    LocationInfo Identifier,
    LocationInfo Attribute,
    LocationInfo? NameLocation,
    bool IsPartial,
    bool IsStatic,
    string? BaseType,
    CommandKind CommandKind,
    StringArgument? Command,
    LocationInfo? BuildCommandLocation,
    EquatableArray<ReferenceDeclaration> References,
    EquatableArray<MalformedReferenceDeclaration> MalformedReferences,
    StringArgument? Image,
    IntArgument? OverlaySize,
    EquatableArray<StringArgument> BindPaths,
    string? TmpDir,
    bool? Remove,
    string? Host,
    IntArgument? TimeoutSeconds,
    EquatableArray<DependencyDeclaration> DependsOn)
{
    /// <summary><c>Isolation</c> as its enum's number (0 unset); <c>[BatchTask]</c> has none.</summary>
    public IntArgument? Isolation { get; init; }

    /// <summary><c>GpuVendor</c> as its enum's number (0 none).</summary>
    public IntArgument? GpuVendor { get; init; }

    /// <summary><c>Pull</c> as its enum's number (0 unset); <c>[BatchTask]</c> has none.</summary>
    public IntArgument? Pull { get; init; }

    /// <summary><c>Runscript = true</c>, with where it is written.</summary>
    public LocationInfo? Runscript { get; init; }

    /// <summary><c>ContainerOptions</c>, each element with its own span.</summary>
    public EquatableArray<StringArgument> ContainerOptions { get; init; }
    /// <summary>The task's scheduler and Slurm settings as written.</summary>
    public SlurmDeclaration Slurm { get; init; } = SlurmDeclaration.None;

    /// <summary><c>Outputs</c>, each element with its own span.</summary>
    public EquatableArray<StringArgument> Outputs { get; init; }

    public string? Publish { get; init; }

    /// <summary><c>Retries</c> when set above 0.</summary>
    public int? Retries { get; init; }

    /// <summary><c>RetryOnExitCodes</c>, each element with its own span.</summary>
    public EquatableArray<IntArgument> RetryOnExitCodes { get; init; }

    /// <summary><c>RetryOn</c> (the value of <c>Dagon.Model.RetryOn</c>) when written.</summary>
    public IntArgument? RetryOn { get; init; }
}

internal sealed record StringArgument(string Value, LocationInfo Location);

internal sealed record IntArgument(int Value, LocationInfo Location);

/// <summary>
/// A <c>workflow://</c> reference in a constant command. <see cref="TaskLocation"/> covers the task name's
/// characters inside the string literal when the literal maps one-to-one onto the value, and the whole literal
/// (or constant) that holds the reference otherwise.
/// </summary>
internal sealed record ReferenceDeclaration(string? Workflow, string Task, string Text, LocationInfo TaskLocation, bool IsExact)
{
    /// <summary>The path after the task name (<c>output/f1.txt</c>), empty for the task's whole folder.</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>The path's characters inside the string literal, when the literal maps one-to-one onto the value.</summary>
    public LocationInfo? PathLocation { get; init; }
}

internal sealed record MalformedReferenceDeclaration(string Text, LocationInfo Location);

/// <summary>
/// A <c>[DependsOn]</c> edge. <see cref="TargetClassName"/> is set when the target is a task class of the same
/// workflow; otherwise the declaration is invalid and <see cref="TargetDisplay"/> names what it points at.
/// </summary>
internal sealed record DependencyDeclaration(string TargetDisplay, string? TargetClassName, LocationInfo Location);
