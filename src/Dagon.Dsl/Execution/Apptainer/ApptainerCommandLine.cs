using Dagon.Model;
using Dagon.Staging;

namespace Dagon.Execution.Apptainer;

/// <summary>Builds Apptainer argv arrays. Nothing here is ever joined into a shell string.</summary>
public static class ApptainerCommandLine
{
    /// <summary>Where a task's work directory appears inside its container (and its current directory).</summary>
    public const string ContainerWorkDir = "/work";

    /// <summary>
    /// Runs the user's command with bash when the image has it (users expect <c>$RANDOM</c>, arrays, ...) and with
    /// POSIX sh otherwise. The command travels as a positional argument, never spliced into this script.
    /// </summary>
    internal const string PreferBashScript = "if [ -x /bin/bash ]; then exec /bin/bash -c \"$1\"; fi; exec /bin/sh -c \"$1\"";

    public static IReadOnlyList<string> Exec(
        string image,
        string command,
        TaskDefinition task,
        OverlayMode overlay,
        string? overlayPath,
        string workDir,
        IReadOnlyList<StagedInput> inputs,
        bool silent)
    {
        var args = new List<string>();
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
        if (task.Shell is { } shell)
        {
            args.Add(shell);
            args.Add("-c");
            args.Add(command);
        }
        else
        {
            args.Add("/bin/sh");
            args.Add("-c");
            args.Add(PreferBashScript);
            args.Add("dagon-task");
            args.Add(command);
        }

        return args;
    }

    /// <summary>
    /// The task's environment variables as <c>APPTAINERENV_*</c> variables of the apptainer process: unlike
    /// <c>--env</c>, which splits its value on commas, this carries any value intact.
    /// </summary>
    public static Dictionary<string, string?> Environment(TaskDefinition task)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in task.Environment) environment["APPTAINERENV_" + name] = value;
        return environment;
    }

    public static IReadOnlyList<string> CreateOverlay(int sizeMb, string path) =>
        ["overlay", "create", "--size", sizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture), path];

    public static IReadOnlyList<string> Build(string target, string source, bool fakeroot)
    {
        var args = new List<string> { "build" };
        if (fakeroot) args.Add("--fakeroot");
        args.Add(target);
        args.Add(source);
        return args;
    }
}
