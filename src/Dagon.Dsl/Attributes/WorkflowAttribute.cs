namespace Dagon;

/// <summary>
/// Declares a workflow: the nested <c>partial</c> classes marked <see cref="ApptainerTaskAttribute"/>
/// or <see cref="BatchTaskAttribute"/> are its tasks.
/// The source generator adds <c>CreateBuilder()</c>, <c>Build()</c>, <c>Configure(...)</c> and <c>RunAsync(args)</c>
/// to the class, so the class itself must be <c>partial</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class WorkflowAttribute(string name) : Attribute
{
    public string Name { get; } = name;

    /// <summary>Image for every task that does not name its own; relative local paths resolve against the project directory.</summary>
    public string? DefaultImage { get; set; }

    /// <summary>Default for <see cref="TaskAttribute.Remove"/> of every task (the runtime's default is true).</summary>
    public bool Remove { get; set; } = true;

    /// <summary>How the workflow's tasks are started unless a task says otherwise; unset follows the host profile, then the run.</summary>
    public Model.Scheduler Scheduler { get; set; }
    /// <summary>When the tasks' registry images are fetched again unless a task says otherwise; unset follows <c>[apptainer] pull</c>.</summary>
    public Model.PullPolicy Pull { get; set; }

    /// <summary>Default publish folder of every task that declares outputs.</summary>
    public string? Publish { get; set; }
}
