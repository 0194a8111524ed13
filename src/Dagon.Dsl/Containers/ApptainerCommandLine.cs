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

    public static IReadOnlyList<string> Exec(
        string apptainer,
        string image,
        string command,
        TaskDefinition task,
        OverlayMode overlay,
        string? overlayPath,
        string workDir,
        IReadOnlyList<InputMount> inputs,
        bool silent)
    {
        var args = new List<string> { apptainer };
        if (silent) args.Add("--silent");
        args.Add("exec");
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

        args.Add(image);
        args.Add("/bin/sh");
        args.Add("-c");
        args.Add(TrampolineScript);
        args.Add("dagon-task");
        args.Add(command);
        args.Add(task.Shell ?? string.Empty);
        foreach (var (name, value) in task.Environment.OrderBy(e => e.Key, StringComparer.Ordinal)) args.Add($"{name}={value}");
        return args;
    }

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
