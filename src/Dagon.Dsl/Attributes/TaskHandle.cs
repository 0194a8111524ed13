using Dagon.Model;

namespace Dagon;

/// <summary>
/// Typed handle on one task of a generated workflow, with the settings every kind of task has. The generator derives
/// each <c>[ApptainerTask]</c> class from <see cref="ApptainerTaskHandle{TSelf}"/> and each <c>[BatchTask]</c> class
/// from <see cref="BatchTaskHandle{TSelf}"/>, so <c>Flow.Configure(w =&gt; w.A.Timeout(...))</c> adjusts task A through
/// <see cref="WorkflowBuilder.Configure"/> and returns the handle for chaining, and container-only settings are
/// offered on container tasks only. Living here rather than in the generated code keeps each task down to a
/// constructor and its name.
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

    public TSelf TmpDir(string directory) => Apply(t => t.TmpDir(directory));

    public TSelf Remove(bool remove = true) => Apply(t => t.Remove(remove));

    public TSelf DependsOn(params string[] taskNames) => Apply(t => t.DependsOn(taskNames));

    public TSelf Timeout(TimeSpan timeout) => Apply(t => t.Timeout(timeout));

    public TSelf Shell(string shell) => Apply(t => t.Shell(shell));

    public TSelf Env(string name, string value) => Apply(t => t.Env(name, value));

    public TSelf OnHost(string hostProfile) => Apply(t => t.OnHost(hostProfile));

    /// <summary>
    /// <see cref="TaskBuilder.Scheduler"/> under another name: a member called <c>Scheduler</c> on the handle would hide
    /// the enum inside the task class, where <c>[ApptainerTask(Scheduler = Scheduler.Slurm)]</c> is written.
    /// </summary>
    public TSelf RunUnder(Scheduler scheduler) => Apply(t => t.Scheduler(scheduler));

    public TSelf Cpus(int cpus) => Apply(t => t.Cpus(cpus));

    public TSelf MemoryMb(int megabytes) => Apply(t => t.MemoryMb(megabytes));

    public TSelf Time(string time) => Apply(t => t.Time(time));

    public TSelf Gpus(int gpus) => Apply(t => t.Gpus(gpus));

    public TSelf Partition(string partition) => Apply(t => t.Partition(partition));

    public TSelf Account(string account) => Apply(t => t.Account(account));

    public TSelf Qos(string qos) => Apply(t => t.Qos(qos));

    public TSelf Nodes(int nodes) => Apply(t => t.Nodes(nodes));

    public TSelf TasksPerNode(int tasks) => Apply(t => t.TasksPerNode(tasks));

    public TSelf SlurmOptions(params string[] options) => Apply(t => t.SlurmOptions(options));
}

/// <summary>Handle on an <c>[ApptainerTask]</c>: the common settings plus the container's image, binds and overlay.</summary>
public abstract class ApptainerTaskHandle<TSelf> : TaskHandle<TSelf>
    where TSelf : ApptainerTaskHandle<TSelf>
{
    protected ApptainerTaskHandle(WorkflowBuilder workflow, string taskName)
        : base(workflow, taskName)
    {
    }

    public TSelf Image(string image) => Apply(t => t.Image(image));

    public TSelf Bind(string spec) => Apply(t => t.Bind(spec));

    public TSelf Bind(string source, string destination, bool readOnly = false) => Apply(t => t.Bind(source, destination, readOnly));

    public TSelf BindPaths(IEnumerable<string> specs) => Apply(t => t.BindPaths(specs));

    public TSelf OverlaySize(int megabytes) => Apply(t => t.OverlaySize(megabytes));

    public TSelf WritableTmpfs() => Apply(t => t.WritableTmpfs());

    public TSelf NoOverlay() => Apply(t => t.NoOverlay());

    public TSelf Isolation(ContainerIsolation isolation) => Apply(t => t.Isolation(isolation));

    // Not named GpuVendor: a task class derives from this handle, and a method of that name would hide the enum in
    // the class's own attribute ([ApptainerTask(GpuVendor = GpuVendor.Nvidia)] is bound in the class's scope).
    public TSelf Gpu(GpuVendor vendor) => Apply(t => t.Gpu(vendor));

    /// <summary>When this task's registry image is fetched again (see <see cref="TaskBuilder.Pull"/>).</summary>
    public TSelf Pull(PullPolicy pull) => Apply(t => t.Pull(pull));

    public TSelf Runscript(bool runscript = true) => Apply(t => t.Runscript(runscript));

    public TSelf ContainerOptions(params string[] options) => Apply(t => t.ContainerOptions(options));
}

/// <summary>
/// Handle on a <c>[BatchTask]</c>, which runs on the host: the common settings only, since an image, bind paths and
/// an overlay do not apply (<see cref="TaskHandle{TSelf}.Apply"/> still reaches every <see cref="TaskBuilder"/> call,
/// and the workflow's validation rejects an image or binds on a batch task).
/// </summary>
public abstract class BatchTaskHandle<TSelf> : TaskHandle<TSelf>
    where TSelf : BatchTaskHandle<TSelf>
{
    protected BatchTaskHandle(WorkflowBuilder workflow, string taskName)
        : base(workflow, taskName)
    {
    }
}
