using System.Buffers;
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
/// <remarks>
/// A key is computed for every task of a run that keeps a journal, so its material is written into one reused
/// buffer per thread and hashed from pooled bytes: per task, the key's own text is all that is allocated, and the
/// material is byte for byte what earlier versions hashed, so that their records still match.
/// </remarks>
public sealed class TaskKeys(RunState run)
{
    private const int KeptMaterialCapacity = 64 * 1024;

    [ThreadStatic] private static StringBuilder? t_material;

    private readonly string?[] _keys = new string?[run.Plan.Tasks.Count];
    private readonly string?[] _outputKeys = new string?[run.Plan.Tasks.Count];

    public string? KeyOf(PlannedTask task) => _keys[task.Index];

    /// <summary>Computes the key of a task whose producers have all finished.</summary>
    public string Compute(PlannedTask task)
    {
        var d = task.Definition;
        var material = t_material ??= new StringBuilder(1024);
        material.Clear();
        Add(material, "kind", d.Kind.ToString());
        Add(material, "command", CommandWithProducerKeys(task));
        AddProducers(material, task);
        if (d.Kind == TaskKind.Apptainer) Add(material, "image", run.Images[task.Index] is { } image ? Path.GetFileName(image) : d.Image ?? "");
        for (var i = 0; i < d.BindPaths.Count; i++) Add(material, "bind", d.BindPaths[i].ToString());
        AddEnvironment(material, d.Environment);
        Add(material, "shell", d.Shell ?? "");
        Add(material, "overlay", $"{d.Overlay}:{d.OverlaySizeMb}");
        Add(material, "container", $"{d.Isolation}:{d.GpuVendor}:{d.Runscript}:{string.Join('\0', d.ContainerOptions)}");
        for (var i = 0; i < d.Outputs.Count; i++) Add(material, "output", d.Outputs[i]);
        var key = Hash(material);
        if (material.Capacity > KeptMaterialCapacity) t_material = null; // a huge command's buffer is not kept per thread
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

    /// <summary>The producers in name order, each with what it made (<c>after=NAME=OUTPUTKEY</c>).</summary>
    private void AddProducers(StringBuilder material, PlannedTask task)
    {
        if (task.Dependencies.Count == 0) return;
        var producers = task.Dependencies.ToArray();
        // Names are unique within a run, so an unstable sort orders them as OrderBy did.
        if (producers.Length > 1) Array.Sort(producers, static (a, b) => string.CompareOrdinal(a.DisplayName, b.DisplayName));
        foreach (var producer in producers) Add(material, "after", producer.DisplayName, "=", _outputKeys[producer.Index] ?? "?");
    }

    private static void AddEnvironment(StringBuilder material, IReadOnlyDictionary<string, string> environment)
    {
        if (environment.Count == 0) return;
        var names = environment.Keys.ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        foreach (var name in names) Add(material, "env", name, "=", environment[name]);
    }

    private string CommandWithProducerKeys(PlannedTask task)
    {
        var command = task.Definition.Command;
        if (task.Definition.References.Count == 0) return command;
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

    private static void Add(StringBuilder material, string name, string value) => Add(material, name, value, "", "");

    /// <summary><c>NAME=LENGTH:VALUE</c>, the value given in parts so that it need not be joined first.</summary>
    private static void Add(StringBuilder material, string name, string first, string separator, string second) =>
        material.Append(name).Append('=').Append(first.Length + separator.Length + second.Length).Append(':')
            .Append(first).Append(separator).Append(second).Append('\n');

    private static string Hash(StringBuilder material)
    {
        var chars = ArrayPool<char>.Shared.Rent(material.Length);
        try
        {
            material.CopyTo(0, chars, 0, material.Length);
            return Hash(chars.AsSpan(0, material.Length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static string Hash(ReadOnlySpan<char> text)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, bytes);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes.AsSpan(0, length), hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}
