namespace Dagon.Model;

/// <summary>A host directory mounted into a task's container: <c>src:dst</c>, <c>src:dst:ro</c> or <c>src:dst:rw</c>.</summary>
public sealed record BindPath(string Source, string Destination, bool ReadOnly)
{
    /// <summary>Parses a bind specification, reporting what is wrong with it in <paramref name="error"/>.</summary>
    public static bool TryParse(string? spec, out BindPath? bind, out string? error)
    {
        bind = null;
        if (string.IsNullOrWhiteSpace(spec))
        {
            error = "a bind path must not be empty";
            return false;
        }

        var parts = spec.Split(':');
        if (parts.Length is < 2 or > 3)
        {
            error = $"bind path '{spec}' must have the form src:dst, src:dst:ro or src:dst:rw";
            return false;
        }

        var (source, destination) = (parts[0], parts[1]);
        if (source.Length == 0 || destination.Length == 0)
        {
            error = $"bind path '{spec}' has an empty source or destination";
            return false;
        }

        if (!destination.StartsWith('/'))
        {
            error = $"bind path '{spec}' has a relative destination '{destination}'; container paths must be absolute";
            return false;
        }

        var readOnly = false;
        if (parts.Length == 3)
        {
            switch (parts[2])
            {
                case "ro": readOnly = true; break;
                case "rw": break;
                default:
                    error = $"bind path '{spec}' has an unknown option '{parts[2]}' (expected ro or rw)";
                    return false;
            }
        }

        bind = new BindPath(source, destination, readOnly);
        error = null;
        return true;
    }

    public static BindPath Parse(string spec) =>
        TryParse(spec, out var bind, out var error) ? bind! : throw new FormatException(error);

    /// <summary>The form Apptainer's <c>--bind</c> option takes.</summary>
    public override string ToString() => ReadOnly ? $"{Source}:{Destination}:ro" : $"{Source}:{Destination}";
}
