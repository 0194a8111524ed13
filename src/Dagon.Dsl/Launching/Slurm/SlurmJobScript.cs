using System.Globalization;
using System.Text;
using Dagon.Processes;

namespace Dagon.Launching.Slurm;

/// <summary>
/// The job script sbatch reads: <c>#SBATCH</c> lines for the job's name, logs, folder and resources, then the task's
/// argv, quoted and <c>exec</c>-ed so that the job's exit code is the task's. The script stays in the workspace, so a
/// failed task can be resubmitted by hand with <c>sbatch job.sh</c>. A fan-out of equal requests becomes one job
/// array whose script picks each element's argv by <c>SLURM_ARRAY_TASK_ID</c>.
/// </summary>
internal static class SlurmJobScript
{
    public const string FileName = "job.sh";

    /// <summary>A job for one task: Slurm writes the task's stdout.log and stderr.log itself.</summary>
    public static string Single(string jobName, SlurmJob job, SlurmOptions options)
    {
        var script = Header(jobName);
        Directive(script, "--output", job.Workspace.StdoutPath);
        Directive(script, "--error", job.Workspace.StderrPath);
        Directive(script, "--chdir", job.Workspace.WorkDir);
        Resources(script, job, options);
        script.Append("exec ").Append(ShellQuote.Join(job.Argv)).Append('\n');
        return script.ToString();
    }

    /// <summary>
    /// One array for equal requests. Slurm's own output goes to <paramref name="slurmLogPrefix"/><c>_INDEX.out/.err</c>
    /// (each element's workspace differs, which Slurm's file patterns cannot say); the task's output goes to its own
    /// logs by redirection.
    /// </summary>
    public static string Array(string jobName, IReadOnlyList<SlurmJob> jobs, string slurmLogPrefix, SlurmOptions options)
    {
        var script = Header(jobName);
        Directive(script, "--array", "0-" + (jobs.Count - 1).ToString(CultureInfo.InvariantCulture));
        Directive(script, "--output", slurmLogPrefix + "_%a.out");
        Directive(script, "--error", slurmLogPrefix + "_%a.err");
        Resources(script, jobs[0], options);
        script.Append("case \"$SLURM_ARRAY_TASK_ID\" in\n");
        for (var i = 0; i < jobs.Count; i++)
        {
            var workspace = jobs[i].Workspace;
            script.Append(i.ToString(CultureInfo.InvariantCulture)).Append(") cd ").Append(ShellQuote.Quote(workspace.WorkDir))
                .Append(" || exit 1; exec ").Append(ShellQuote.Join(jobs[i].Argv))
                .Append(" >").Append(ShellQuote.Quote(workspace.StdoutPath))
                .Append(" 2>").Append(ShellQuote.Quote(workspace.StderrPath)).Append(" ;;\n");
        }

        script.Append("esac\necho \"dagon: no task for array index $SLURM_ARRAY_TASK_ID\" >&2\nexit 1\n");
        return script.ToString();
    }

    /// <summary>The requested options in the order sbatch documents them; the place's defaults fill what the task leaves unset.</summary>
    public static IReadOnlyList<string> ResourceOptions(SlurmJob job, SlurmOptions options)
    {
        var request = job.Request;
        var list = new List<string>();
        void Add(string name, object? value)
        {
            if (value is not null) list.Add(name + "=" + Convert.ToString(value, CultureInfo.InvariantCulture));
        }

        Add("--partition", request.Partition ?? options.Partition);
        Add("--account", request.Account ?? options.Account);
        Add("--qos", request.Qos ?? options.Qos);
        Add("--time", job.Time);
        Add("--nodes", request.Nodes);
        Add("--ntasks-per-node", request.TasksPerNode);
        Add("--cpus-per-task", request.Cpus);
        Add("--mem", request.MemoryMb is { } memory ? memory.ToString(CultureInfo.InvariantCulture) + "M" : null);
        Add("--gpus", request.Gpus);
        list.AddRange(request.Options);
        return list;
    }

    private static StringBuilder Header(string jobName) => new StringBuilder("#!/bin/sh\n")
        .Append("# Written by Dagon. Submit again by hand with: sbatch ").Append(FileName).Append('\n')
        .Append("#SBATCH --job-name=").Append(Value(jobName)).Append('\n');

    private static void Resources(StringBuilder script, SlurmJob job, SlurmOptions options)
    {
        foreach (var option in ResourceOptions(job, options)) script.Append("#SBATCH ").Append(option).Append('\n');
    }

    private static void Directive(StringBuilder script, string name, string value) =>
        script.Append("#SBATCH ").Append(name).Append('=').Append(Value(value)).Append('\n');

    /// <summary>sbatch reads a #SBATCH line up to white space; values that hold any would be cut, so they are refused.</summary>
    private static string Value(string value) =>
        value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'')
            ? throw new SlurmSubmitException($"'{value}' holds white space or quotes, which a #SBATCH line cannot carry; choose a tmp_dir without them")
            : value;
}
