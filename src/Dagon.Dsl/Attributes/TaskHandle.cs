using Dagon.Model;

namespace Dagon;

/// <summary>
/// Typed handle on one task of a generated workflow. The generator derives every <c>[ApptainerTask]</c> class from
/// it, so <c>Flow.Configure(w =&gt; w.A.OverlaySize(512))</c> adjusts task A through
/// <see cref="WorkflowBuilder.Configure"/> and returns the handle for chaining. Living here rather than in the
/// generated code keeps each task down to a constructor and its name.
/// </summary>
public abstract class TaskHandle<TSelf>
    where TSelf : TaskHandle<TSelf>
{
    private readonly WorkflowBuilder _workflow;
    private readonly string _taskName;

    protected TaskHandle(WorkflowBuilder workflow, string taskName)
    {
        _workflow = workflow;
        _taskName = taskName;
    }

    /// <summary>Applies any <see cref="TaskBuilder"/> call to this task.</summary>
    public TSelf Apply(Action<TaskBuilder> configure)
    {
        _workflow.Configure(_taskName, configure);
        return (TSelf)this;
    }

    public TSelf Command(string command) => Apply(t => t.Command(command));

    public TSelf Image(string image) => Apply(t => t.Image(image));

    public TSelf Bind(string spec) => Apply(t => t.Bind(spec));

    public TSelf Bind(string source, string destination, bool readOnly = false) => Apply(t => t.Bind(source, destination, readOnly));

    public TSelf BindPaths(IEnumerable<string> specs) => Apply(t => t.BindPaths(specs));

    public TSelf OverlaySize(int megabytes) => Apply(t => t.OverlaySize(megabytes));

    public TSelf WritableTmpfs() => Apply(t => t.WritableTmpfs());

    public TSelf NoOverlay() => Apply(t => t.NoOverlay());

    public TSelf TmpDir(string directory) => Apply(t => t.TmpDir(directory));

    public TSelf Remove(bool remove = true) => Apply(t => t.Remove(remove));

    public TSelf DependsOn(params string[] taskNames) => Apply(t => t.DependsOn(taskNames));

    public TSelf Timeout(TimeSpan timeout) => Apply(t => t.Timeout(timeout));

    public TSelf Shell(string shell) => Apply(t => t.Shell(shell));

    public TSelf Env(string name, string value) => Apply(t => t.Env(name, value));

    public TSelf OnHost(string hostProfile) => Apply(t => t.OnHost(hostProfile));
}
