#nullable enable
using System;
using System.Linq;
using Dagon.Dsl.Declarations;
using Dagon.Model;
using Dagon.Rules;
using Microsoft.CodeAnalysis;
using static Dagon.Dsl.Analyzers.DiagnosticDescriptors;

namespace Dagon.Dsl.Analyzers;

/// <summary>
/// A container task's isolation, GPU vendor, pull policy and extra Apptainer options, checked with the runtime's own rule
/// (<see cref="ContainerOptionRules"/>). <c>[BatchTask]</c> has none of these properties, so the compiler itself
/// refuses them there.
/// </summary>
internal static class ContainerSettingsChecks
{
    public static void Check(TaskDeclaration task, Action<DiagnosticDescriptor, LocationInfo, object[]> report)
    {
        if (task.Isolation is { } isolation && !Enum.IsDefined(typeof(ContainerIsolation), isolation.Value))
        {
            report(UnknownIsolation, isolation.Location, new object[] { task.Name, isolation.Value });
        }

        if (task.GpuVendor is { } vendor && !Enum.IsDefined(typeof(GpuVendor), vendor.Value))
        {
            report(UnknownGpuVendor, vendor.Location, new object[] { task.Name, vendor.Value });
        }

        if (task.Pull is { } pull && !Enum.IsDefined(typeof(PullPolicy), pull.Value))
        {
            report(UnknownPullPolicy, pull.Location, new object[] { "Task '" + task.Name + "'", pull.Value });
        }

        if (task.ContainerOptions.Count == 0) return;
        var options = task.ContainerOptions.Select(o => o.Value).ToList();
        var inherit = task.Isolation?.Value == (int)ContainerIsolation.Inherit;
        if (ContainerOptionRules.Check(options, inherit, out var index) is { } error)
        {
            report(RefusedContainerOption, task.ContainerOptions[index].Location, new object[] { task.Name, error });
        }
    }
}
