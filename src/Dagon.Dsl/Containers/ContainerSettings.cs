using Dagon.Model;
using Dagon.Rules;

namespace Dagon.Containers;

/// <summary>
/// How one container task is isolated, once the task's, its host's and the run's settings are combined (the most
/// specific set one wins), with the variables allowed through and the extra Apptainer options.
/// </summary>
public sealed record ContainerSettings(ContainerIsolation Isolation, IReadOnlyList<string> EnvAllow, IReadOnlyList<string> Options)
{
    /// <summary>Isolation <see cref="ContainerIsolation.Clean"/>, the default allow-list, no extra options.</summary>
    public static ContainerSettings Default { get; } = new(ContainerIsolation.Clean, ParseEnvAllow(ApptainerOptions.DefaultEnvAllow), []);

    /// <summary>The settings of <paramref name="task"/> on a place whose own isolation is <paramref name="placeIsolation"/>.</summary>
    /// <exception cref="FormatException">an allow-list pattern or a container option is not usable; the message says which.</exception>
    public static ContainerSettings Resolve(TaskDefinition task, ContainerIsolation placeIsolation, ApptainerOptions run)
    {
        var isolation = task.Isolation != ContainerIsolation.Unset ? task.Isolation
            : placeIsolation != ContainerIsolation.Unset ? placeIsolation
            : run.Isolation != ContainerIsolation.Unset ? run.Isolation
            : ContainerIsolation.Clean;
        var allow = ParseEnvAllow(run.EnvAllow).ToList();
        // A GPU task always sees which devices it was given, whatever the allow-list says.
        if (task.GpuVendor == GpuVendor.Nvidia) allow.Add("CUDA_VISIBLE_DEVICES");
        if (task.GpuVendor == GpuVendor.Amd) allow.Add("ROCR_VISIBLE_DEVICES");

        var options = new List<string>();
        try
        {
            options.AddRange(ArgumentWords.Split(run.RunOptions));
        }
        catch (FormatException exception)
        {
            throw new FormatException($"[apptainer] run_options: {exception.Message}");
        }

        var inherit = isolation == ContainerIsolation.Inherit;
        if (ContainerOptionRules.Check(options, inherit, out _) is { } runError) throw new FormatException($"[apptainer] run_options: {runError}");
        if (ContainerOptionRules.Check(task.ContainerOptions, inherit, out _) is { } taskError) throw new FormatException($"Task '{task.Name}': {taskError}");
        options.AddRange(task.ContainerOptions);
        return new ContainerSettings(isolation, allow.Distinct(StringComparer.Ordinal).ToList(), options);
    }

    /// <summary>Names or prefixes (<c>SLURM_*</c>) separated by white space or commas; anything else is refused.</summary>
    public static IReadOnlyList<string> ParseEnvAllow(string? text)
    {
        var patterns = (text ?? "").Split([' ', '\t', '\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries);
        foreach (var pattern in patterns)
        {
            var name = pattern.EndsWith('*') ? pattern[..^1] : pattern;
            var valid = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
            if (!valid) throw new FormatException($"[apptainer] env_allow: '{pattern}' is not a variable name or a prefix ending in '*'");
        }

        return patterns;
    }
}
