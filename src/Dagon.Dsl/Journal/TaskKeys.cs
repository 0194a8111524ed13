using System.Security.Cryptography;
using System.Text;
using Dagon.Execution;
using Dagon.Model;
using Dagon.Scheduling;

namespace Dagon.Journal;

/// <summary>
/// A task's key: a hash of everything that determines its result. The command enters with each
/// <c>workflow://</c> reference replaced by the producer's output key (a hash of the producer's declared outputs'
/// checksums, or of its own key when it declares none), so editing a task changes its key and, through its
/// outputs, the keys of its dependents, and nothing else. The image enters by its cached file's name, which carries
/// its content key (<see cref="Dagon.Images.ImageKey"/>); then binds, environment, shell, overlay, kind and the
/// container settings. The host does not: a result does not depend on which node made it.
/// </summary>
public sealed class TaskKeys(RunState run)
{
    private readonly string?[] _keys = new string?[run.Plan.Tasks.Count];
    private readonly string?[] _outputKeys = new string?[run.Plan.Tasks.Count];

    public string? KeyOf(PlannedTask task) => _keys[task.Index];

    /// <summary>Computes the key of a task whose producers have all finished.</summary>
    public string Compute(PlannedTask task)
    {
        var d = task.Definition;
        var material = new StringBuilder();
        Add(material, "kind", d.Kind.ToString());
        Add(material, "command", CommandWithProducerKeys(task));
        foreach (var producer in task.Dependencies.OrderBy(p => p.DisplayName, StringComparer.Ordinal))
        {
            Add(material, "after", producer.DisplayName + "=" + (_outputKeys[producer.Index] ?? "?"));
        }

        if (d.Kind == TaskKind.Apptainer) Add(material, "image", run.Images[task.Index] is { } image ? Path.GetFileName(image) : d.Image ?? "");
        foreach (var bind in d.BindPaths) Add(material, "bind", bind.ToString());
        foreach (var variable in d.Environment.OrderBy(e => e.Key, StringComparer.Ordinal)) Add(material, "env", variable.Key + "=" + variable.Value);
        Add(material, "shell", d.Shell ?? "");
        Add(material, "overlay", d.Overlay + ":" + d.OverlaySizeMb);
        Add(material, "container", $"{d.Isolation}:{d.GpuVendor}:{d.Runscript}:{string.Join('\0', d.ContainerOptions)}");
        foreach (var output in d.Outputs) Add(material, "output", output);
        var key = Hash(material.ToString());
        _keys[task.Index] = key;
        return key;
    }

    /// <summary>What dependents see of a finished task: its outputs' checksums, or its key when it declares none.</summary>
    public void Finished(PlannedTask task, IReadOnlyList<RecordedOutput> outputs)
    {
        _outputKeys[task.Index] = task.Definition.Outputs.Count == 0 || outputs.Count == 0
            ? _keys[task.Index]
            : Hash(string.Join('\n', outputs.OrderBy(o => o.Path, StringComparer.Ordinal).Select(o => o.Path + "\0" + o.Sha256)));
    }

    private string CommandWithProducerKeys(PlannedTask task)
    {
        var command = task.Definition.Command;
        var builder = new StringBuilder(command.Length);
        var position = 0;
        foreach (var reference in task.Definition.References.OrderBy(r => r.Start))
        {
            var producer = task.Inputs.FirstOrDefault(i => i.Reference.Task == reference.Task && i.Reference.Workflow == reference.Workflow)?.Producer;
            builder.Append(command, position, reference.Start - position);
            builder.Append("{{").Append(producer is null ? reference.Text : _outputKeys[producer.Index] ?? "?").Append("}}/").Append(reference.Path);
            position = reference.Start + reference.Length;
        }

        return builder.Append(command, position, command.Length - position).ToString();
    }

    private static void Add(StringBuilder material, string name, string value) =>
        material.Append(name).Append('=').Append(value.Length).Append(':').Append(value).Append('\n');

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
