namespace Dagon;

/// <summary>
/// An edge that no <c>workflow:///</c> reference in the command implies: the task runs after <see cref="Task"/>,
/// another task class of the same workflow.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class DependsOnAttribute(Type task) : Attribute
{
    public Type Task { get; } = task;
}

/// <summary>The generic form of <see cref="DependsOnAttribute"/>: <c>[DependsOn&lt;A&gt;]</c>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class DependsOnAttribute<TTask> : Attribute
{
    public Type Task => typeof(TTask);
}
