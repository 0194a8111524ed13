namespace Dagon.Model;

/// <summary>
/// The scheduler and Slurm settings of a task. Each setting only describes the job; whether the task runs as a job
/// is its <see cref="Scheduler(Model.Scheduler)"/> (or the workflow's, the host profile's, the run's).
/// </summary>
public sealed partial class TaskBuilder
{
    internal Scheduler? SchedulerValue { get; private set; }

    internal SlurmRequest SlurmValue { get; private set; } = SlurmRequest.None;

    /// <summary>Starts the task directly or as a Slurm job, whatever the workflow, host profile or run say.</summary>
    public TaskBuilder Scheduler(Scheduler scheduler)
    {
        SchedulerValue = scheduler;
        return this;
    }

    /// <summary>Runs the task as a Slurm job (<c>Scheduler(Scheduler.Slurm)</c>).</summary>
    public TaskBuilder Slurm() => Scheduler(Model.Scheduler.Slurm);

    /// <summary>CPUs per task (<c>--cpus-per-task</c>).</summary>
    public TaskBuilder Cpus(int cpus) => Request(SlurmValue with { Cpus = cpus });

    /// <summary>Memory per node in MB (<c>--mem</c>).</summary>
    public TaskBuilder MemoryMb(int megabytes) => Request(SlurmValue with { MemoryMb = megabytes });

    /// <summary>Time limit in Slurm's format: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (<c>--time</c>).</summary>
    public TaskBuilder Time(string time) => Request(SlurmValue with { Time = time });

    /// <summary>GPUs (<c>--gpus</c>).</summary>
    public TaskBuilder Gpus(int gpus) => Request(SlurmValue with { Gpus = gpus });

    public TaskBuilder Partition(string partition) => Request(SlurmValue with { Partition = partition });

    public TaskBuilder Account(string account) => Request(SlurmValue with { Account = account });

    public TaskBuilder Qos(string qos) => Request(SlurmValue with { Qos = qos });

    public TaskBuilder Nodes(int nodes) => Request(SlurmValue with { Nodes = nodes });

    public TaskBuilder TasksPerNode(int tasks) => Request(SlurmValue with { TasksPerNode = tasks });

    /// <summary>Extra sbatch options, one word each (<c>--constraint=haswell</c>); options the engine sets itself are refused.</summary>
    public TaskBuilder SlurmOptions(params string[] options) => Request(SlurmValue with { Options = [.. SlurmValue.Options, .. options] });

    private TaskBuilder Request(SlurmRequest request)
    {
        SlurmValue = request;
        return this;
    }
}
