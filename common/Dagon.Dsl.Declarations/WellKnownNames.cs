namespace Dagon.Dsl.Declarations;

/// <summary>Metadata names of the attributes in the runtime assembly that the DSL is written with.</summary>
internal static class WellKnownNames
{
    public const string WorkflowAttribute = "Dagon.WorkflowAttribute";
    public const string ApptainerTaskAttribute = "Dagon.ApptainerTaskAttribute";
    public const string DependsOnAttribute = "Dagon.DependsOnAttribute";
    public const string GenericDependsOnAttribute = "Dagon.DependsOnAttribute`1";

    /// <summary>A task class may compute its command at run time with <c>static string BuildCommand()</c>.</summary>
    public const string BuildCommandMethod = "BuildCommand";

    /// <summary>Members the generator adds to a workflow class; a task class with one of these names would collide.</summary>
    public static readonly string[] GeneratedWorkflowMembers =
    {
        "WorkflowName", "CreateBuilder", "Configure", "Build", "RunAsync", "Tasks", "ResolveBaseDirectory",
    };

    /// <summary>The MSBuild property (made visible to the compiler by the package) that relative image paths resolve against.</summary>
    public const string ProjectDirectoryProperty = "build_property.ProjectDir";
}
