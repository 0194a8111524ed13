using Microsoft.CodeAnalysis;

namespace Dagon.Dsl.Analyzers;

/// <summary>Every diagnostic Dagon.Dsl reports. IDs are stable; docs/diagnostics.md explains each one.</summary>
public static class DiagnosticDescriptors
{
    public const string Category = "Dagon.Workflow";

    // Where the repository publishes its docs; the anchors are the lower-cased IDs in docs/diagnostics.md.
    private const string HelpBase = "https://github.com/dagon-dsl/Dagon.Dsl/blob/main/docs/diagnostics.md#";

    public static readonly DiagnosticDescriptor UnknownTask = Error(
        "DAG001", "Reference to an unknown task",
        "Task '{0}' references unknown task '{1}' in '{2}'{3}");

    public static readonly DiagnosticDescriptor DependencyCycle = Error(
        "DAG002", "Dependency cycle",
        "Task '{0}' is on a dependency cycle: {1}");

    public static readonly DiagnosticDescriptor SelfDependency = Error(
        "DAG003", "Task depends on itself",
        "Task '{0}' depends on itself");

    public static readonly DiagnosticDescriptor MissingImage = Error(
        "DAG004", "Task has no image",
        "Task '{0}' has no image and workflow '{1}' has no DefaultImage");

    public static readonly DiagnosticDescriptor MalformedImage = Error(
        "DAG005", "Malformed image reference",
        "Image of {0}: {1}");

    public static readonly DiagnosticDescriptor ImageFileNotFound = Warning(
        "DAG006", "Local image file not found",
        "Image file '{0}' does not exist in the project directory '{1}'");

    public static readonly DiagnosticDescriptor DuplicateTaskName = Error(
        "DAG007", "Duplicate task name",
        "Workflow '{0}' has more than one task named '{1}'");

    public static readonly DiagnosticDescriptor NotPartial = Error(
        "DAG008", "Class must be partial",
        "'{0}' must be partial so that the workflow generator can add to it");

    public static readonly DiagnosticDescriptor TaskOutsideWorkflow = Error(
        "DAG009", "Task is not nested in a workflow",
        "Task class '{0}' must be nested in a class marked [Workflow]");

    public static readonly DiagnosticDescriptor DependsOnNonTask = Error(
        "DAG010", "DependsOn names no task of the workflow",
        "Task '{0}' depends on '{1}', which is not a task of workflow '{2}'");

    public static readonly DiagnosticDescriptor InvalidBind = Error(
        "DAG011", "Invalid bind path",
        "Task '{0}': {1}");

    public static readonly DiagnosticDescriptor InvalidOverlaySize = Error(
        "DAG012", "Overlay size is too small",
        "Task '{0}' has overlay size {1} MB; {2}");

    public static readonly DiagnosticDescriptor EmptyCommand = Error(
        "DAG013", "Task has no command",
        "Task '{0}' has an empty command");

    public static readonly DiagnosticDescriptor UnknownWorkflow = Warning(
        "DAG014", "Reference to a workflow outside this compilation",
        "Task '{0}' references workflow '{1}', which is not declared in this compilation; '{2}' is checked only when the run is planned");

    public static readonly DiagnosticDescriptor RunTimeCommand = new DiagnosticDescriptor(
        "DAG015", "Command computed at run time",
        "The command of task '{0}' is computed at run time; its workflow:// references are not checked at compile time and add no edges",
        Category, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpBase + "dag015");

    public static readonly DiagnosticDescriptor MalformedReference = Error(
        "DAG016", "Malformed workflow:// reference",
        "Task '{0}' has a malformed reference '{1}' (expected workflow:///Task/path or workflow://Workflow/Task/path)");

    public static readonly DiagnosticDescriptor NonPositiveTimeout = Error(
        "DAG017", "Timeout must be positive",
        "Task '{0}' has a timeout of {1} seconds; it must be positive");

    public static readonly DiagnosticDescriptor EmptyWorkflowName = Error(
        "DAG018", "Workflow has no name",
        "The workflow name must not be empty");

    public static readonly DiagnosticDescriptor ReservedTaskClassName = Error(
        "DAG019", "Task class name collides with a generated member",
        "Task class '{0}' has the name of a member the generator adds to workflow '{1}'; rename the class and keep the task's name with Name = \"{0}\"");

    public static readonly DiagnosticDescriptor UnsupportedClassShape = Error(
        "DAG020", "Class cannot be extended by the generator",
        "'{0}' must not be {1}: the workflow generator derives task classes from TaskHandle and cannot complete a generic workflow class");

    public static readonly DiagnosticDescriptor UnreferenceableName = Error(
        "DAG021", "Name cannot be used in workflow:// references",
        "The {0} name '{1}' cannot appear in a workflow:// reference; use no '/', white space, quotes or shell characters");

    public static readonly DiagnosticDescriptor ConflictingTaskKinds = Error(
        "DAG022", "Task is both a container task and a batch task",
        "Task class '{0}' has both [ApptainerTask] and [BatchTask]; keep one (the first, [{1}], is the one in effect)");

    public static readonly DiagnosticDescriptor MalformedSlurmTime = Error(
        "DAG030", "Malformed Slurm time limit",
        "Task '{0}' has time limit '{1}'; {2}");

    public static readonly DiagnosticDescriptor NonPositiveSlurmCount = Error(
        "DAG031", "Slurm resource count must be positive",
        "Task '{0}' requests {1} {2}; {3}");

    public static readonly DiagnosticDescriptor InvalidSlurmOption = Error(
        "DAG032", "Slurm option is refused",
        "Task '{0}' has Slurm option {1}");

    public static readonly DiagnosticDescriptor SlurmResourcesOnDirectTask = Error(
        "DAG033", "Slurm resources on a task that is started directly",
        "Task '{0}' sets Slurm resources, but {1} directly (Scheduler.Direct); remove them or run it with Scheduler.Slurm");

    public static readonly DiagnosticDescriptor UnknownIsolation = Error(
        "DAG040", "Unknown container isolation",
        "Task '{0}' has isolation {1}, which is not a ContainerIsolation; use Clean, Contained or Inherit");

    public static readonly DiagnosticDescriptor UnknownGpuVendor = Error(
        "DAG041", "Unknown GPU vendor",
        "Task '{0}' has GPU vendor {1}, which is not a GpuVendor; use Nvidia or Amd");

    public static readonly DiagnosticDescriptor RefusedContainerOption = Error(
        "DAG042", "Container option collides with the engine",
        "Task '{0}': {1}");

    public static readonly DiagnosticDescriptor UnknownPullPolicy = Error(
        "DAG043", "Unknown pull policy",
        "{0} has pull policy {1}, which is not a PullPolicy; use Missing, Always or Never");

    public static readonly DiagnosticDescriptor UndeclaredOutput = Warning(
        "DAG050", "Reference to an output its producer does not declare",
        "Task '{0}' reads '{1}' of task '{2}', which declares its outputs but not this one");

    public static readonly DiagnosticDescriptor RetryNeverMatches = Error(
        "DAG051", "Retry choice that never matches",
        "Task '{0}' retries on {1}");

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());
}
