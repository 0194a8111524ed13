using Dagon.Rules;

namespace Dagon.Model;

/// <summary>A host directory mounted into a task's container: <c>src:dst</c>, <c>src:dst:ro</c> or <c>src:dst:rw</c>.</summary>
public sealed record BindPath(string Source, string Destination, bool ReadOnly)
{
    /// <summary>
    /// Parses a bind specification, with the syntax the analyzers check too (<see cref="BindRules"/>), reporting
    /// what is wrong with it in <paramref name="error"/>.
    /// </summary>
    public static bool TryParse(string? spec, out BindPath? bind, out string? error)
    {
        bind = BindRules.TryParse(spec, out var source, out var destination, out var readOnly, out error)
            ? new BindPath(source, destination, readOnly)
            : null;
        return bind is not null;
    }

    public static BindPath Parse(string spec) =>
        TryParse(spec, out var bind, out var error) ? bind! : throw new FormatException(error);

    /// <summary>The form Apptainer's <c>--bind</c> option takes.</summary>
    public override string ToString() => ReadOnly ? $"{Source}:{Destination}:ro" : $"{Source}:{Destination}";
}
