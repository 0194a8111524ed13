using Dagon.Rules;

namespace Dagon.Model;

/// <summary>
/// The checks of a task's container settings (isolation, GPU vendor, runscript, extra options) with the rules the
/// analyzers use, so a fluent workflow is refused for what an attribute workflow would not compile with.
/// </summary>
internal static class ContainerSettingsValidation
{
    public static void Validate(TaskDefinition task, string label, List<string> errors)
    {
        if (!Enum.IsDefined(task.Isolation)) errors.Add($"{label} has an unknown isolation ({(int)task.Isolation}); use Clean, Contained or Inherit");
        if (!Enum.IsDefined(task.GpuVendor)) errors.Add($"{label} has an unknown GPU vendor ({(int)task.GpuVendor}); use Nvidia or Amd");
        if (!Enum.IsDefined(task.Pull)) errors.Add($"{label} has an unknown pull policy ({(int)task.Pull}); use Missing, Always or Never");
        if (task.Kind == TaskKind.Batch)
        {
            var settings = new List<string>();
            if (task.Pull != PullPolicy.Unset) settings.Add("Pull");
            if (task.Isolation != ContainerIsolation.Unset) settings.Add("Isolation");
            if (task.GpuVendor != GpuVendor.None) settings.Add("GpuVendor");
            if (task.Runscript) settings.Add("Runscript");
            if (task.ContainerOptions.Count > 0) settings.Add("ContainerOptions");
            if (settings.Count > 0)
            {
                errors.Add($"{label} is a batch task, which runs on the host without a container: {string.Join(", ", settings)} do not apply");
            }

            return;
        }

        if (ContainerOptionRules.Check(task.ContainerOptions, task.Isolation == ContainerIsolation.Inherit, out _) is { } error)
        {
            errors.Add($"{label}: {error}");
        }
    }
}
