using Dagon.Model;

namespace Dagon.Containers;

/// <summary>A producer's folder mounted read-only into a consuming container.</summary>
public readonly record struct InputMount(string HostDirectory, string ContainerDirectory);

/// <summary>
/// Builds Apptainer argv arrays, the same on every place (this machine, an SSH host, inside a Slurm job). Nothing
/// here is ever joined into a shell string by this class; places quote each element where a shell is unavoidable.
/// </summary>
public static class ApptainerCommandLine
{
    /// <summary>Where a task's work directory appears inside its container (and its current directory).</summary>
    public const string ContainerWorkDir = Rules.BindRules.WorkDirectory;

    /// <summary>
    /// Starts the user's command inside the container. The command, the shell and each NAME=VALUE pair travel as
    /// positional arguments, never spliced into this script, so no value is ever re-parsed: Apptainer's own
    /// <c>--env</c> splits values on commas and <c>APPTAINERENV_*</c> expands <c>$VARS</c> in them. With no shell
    /// chosen, bash is preferred when the image has it (users expect <c>$RANDOM</c>) and POSIX sh used otherwise.
    /// </summary>
    internal const string TrampolineScript =
        "cmd=$1; shell=$2; shift 2; for kv do export \"$kv\"; done; " +
        "if [ -n \"$shell\" ]; then exec \"$shell\" -c \"$cmd\"; fi; " +
        "if [ -x /bin/bash ]; then exec /bin/bash -c \"$cmd\"; fi; exec /bin/sh -c \"$cmd\"";

    /// <summary>
    /// Runs the image's %runscript (what <c>apptainer run</c> runs, after the same environment scripts) with the words
    /// given: first their count and the words, then NAME=VALUE pairs, which are exported before the runscript starts.
    /// <c>apptainer run</c> itself would hand every word to the runscript, leaving only <c>--env</c> or
    /// <c>APPTAINERENV_*</c> for the environment, and both re-parse values.
    /// </summary>
    internal const string RunscriptTrampolineScript =
        "n=$1; shift; i=0; while [ $i -lt $n ]; do set -- \"$@\" \"$1\"; shift; i=$((i+1)); done; " +
        "while [ $# -gt $n ]; do export \"$1\"; shift; done; " +
        "if [ ! -x /.singularity.d/runscript ]; then echo 'dagon: the image has no %runscript' >&2; exit 127; fi; " +
        "exec /.singularity.d/runscript \"$@\"";

    /// <summary>
    /// Runs on the task's place, in front of Apptainer, when the container starts with <c>--cleanenv</c>: the place's
    /// variables whose names match the allow-list (read there, so a Slurm job passes its own <c>SLURM_*</c> and
    /// <c>CUDA_VISIBLE_DEVICES</c>) and then the task's own NAME=VALUE pairs are appended to Apptainer's argv, where
    /// the trampoline exports them. Names are checked before <c>eval</c> reads a value, and a value is expanded once,
    /// quoted, never re-parsed. Arguments: pattern count, patterns, pair count, pairs, then Apptainer's argv.
    /// </summary>
    internal const string PlaceEnvironmentScript =
        "set -f; n=$1; shift; pats=; while [ $n -gt 0 ]; do pats=\"$pats $1\"; shift; n=$((n-1)); done; " +
        "for name in $(env | sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p'); do for pat in $pats; do case $name in $pat) " +
        "eval \"isset=\\${$name+x}\"; if [ -n \"$isset\" ]; then eval \"set -- \\\"\\$@\\\" \\\"$name=\\${$name}\\\"\"; fi; break;; esac; done; done; " +
        "m=$1; shift; while [ $m -gt 0 ]; do set -- \"$@\" \"$1\"; shift; m=$((m-1)); done; exec \"$@\"";

    public static IReadOnlyList<string> Exec(
        string apptainer,
        string image,
        string command,
        TaskDefinition task,
        OverlayMode overlay,
        string? overlayPath,
        string workDir,
        IReadOnlyList<InputMount> inputs,
        bool silent,
        ContainerSettings? settings = null)
    {
        settings ??= ContainerSettings.Default;
        var isolated = settings.Isolation != ContainerIsolation.Inherit;
        var environment = task.Environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}").ToList();
        var args = new List<string>();
        if (isolated)
        {
            args.AddRange(["/bin/sh", "-c", PlaceEnvironmentScript, "dagon-env", Count(settings.EnvAllow)]);
            args.AddRange(settings.EnvAllow);
            args.Add(Count(environment));
            args.AddRange(environment);
        }

        args.Add(apptainer);
        if (silent) args.Add("--silent");
        args.Add("exec");
        AddIsolation(args, settings.Isolation);
        if (task.GpuVendor == GpuVendor.Nvidia) args.Add("--nv");
        if (task.GpuVendor == GpuVendor.Amd) args.Add("--rocm");
        args.AddRange(settings.Options);
        AddMounts(args, task, overlay, overlayPath, workDir, inputs);
        args.Add(image);
        AddCommand(args, command, task);
        if (!isolated) args.AddRange(environment);
        return args;
    }

    private static void AddIsolation(List<string> args, ContainerIsolation isolation)
    {
        if (isolation == ContainerIsolation.Inherit) return;
        args.Add("--cleanenv");
        args.Add("--no-home");
        if (isolation == ContainerIsolation.Contained) args.Add("--containall");
    }

    private static void AddMounts(List<string> args, TaskDefinition task, OverlayMode overlay, string? overlayPath, string workDir,
        IReadOnlyList<InputMount> inputs)
    {
        switch (overlay)
        {
            case OverlayMode.Image:
                args.Add("--overlay");
                args.Add(overlayPath ?? throw new ArgumentNullException(nameof(overlayPath)));
                break;
            case OverlayMode.WritableTmpfs:
                args.Add("--writable-tmpfs");
                break;
        }

        args.Add("--bind");
        args.Add($"{workDir}:{ContainerWorkDir}");
        args.Add("--pwd");
        args.Add(ContainerWorkDir);
        foreach (var bind in task.BindPaths)
        {
            args.Add("--bind");
            args.Add(bind.ToString());
        }

        foreach (var input in inputs)
        {
            args.Add("--bind");
            args.Add($"{input.HostDirectory}:{input.ContainerDirectory}:ro");
        }
    }

    /// <summary>The shell command through the trampoline, or the runscript with the command's words (<see cref="ArgumentWords"/>).</summary>
    private static void AddCommand(List<string> args, string command, TaskDefinition task)
    {
        if (task.Runscript)
        {
            var words = ArgumentWords.Split(command);
            args.AddRange(["/bin/sh", "-c", RunscriptTrampolineScript, "dagon-run", Count(words)]);
            args.AddRange(words);
            return;
        }

        args.AddRange(["/bin/sh", "-c", TrampolineScript, "dagon-task", command, task.Shell ?? string.Empty]);
    }

    private static string Count<T>(IReadOnlyCollection<T> items) => items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static IReadOnlyList<string> CreateOverlay(string apptainer, int sizeMb, string path) =>
        [apptainer, "overlay", "create", "--size", sizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture), path];

    public static IReadOnlyList<string> Build(string apptainer, string target, string source, bool fakeroot)
    {
        var args = new List<string> { apptainer, "build" };
        if (fakeroot) args.Add("--fakeroot");
        args.Add(target);
        args.Add(source);
        return args;
    }
}
