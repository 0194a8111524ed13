namespace Dagon;

/// <summary>
/// Declares a batch task of the enclosing <see cref="WorkflowAttribute"/> class: a shell command run on the host,
/// without a container (the runtime's <see cref="Model.TaskKind.Batch"/>). It takes no image, bind paths or overlay;
/// otherwise it is a task like any other: <c>workflow:///Task/path</c> references in a constant command are checked
/// and turned into edges at compile time, and it may depend on, and be depended on by, <see cref="ApptainerTaskAttribute"/>
/// tasks of the same workflow.
/// </summary>
/// <remarks>
/// Properties left unset keep the runtime's defaults: <see cref="TaskAttribute.TimeoutSeconds"/> is unset at 0 and
/// <see cref="TaskAttribute.Remove"/> follows the workflow unless assigned. A class may carry this attribute or
/// <see cref="ApptainerTaskAttribute"/>, not both.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class BatchTaskAttribute : TaskAttribute;
