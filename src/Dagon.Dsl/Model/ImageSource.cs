namespace Dagon.Model;

public enum ImageSourceKind
{
    /// <summary><c>docker://</c>: an OCI image from any registry, converted to SIF once.</summary>
    Docker,
    /// <summary><c>library://</c>: the Sylabs/Apptainer library.</summary>
    Library,
    /// <summary><c>oras://</c>: a SIF stored in an OCI registry.</summary>
    Oras,
    /// <summary><c>http://</c> or <c>https://</c>: a SIF downloaded over HTTP.</summary>
    Http,
    /// <summary>A local <c>.sif</c> file, used in place.</summary>
    SifFile,
    /// <summary>A local definition file (<c>.def</c>), built once with <c>apptainer build</c>.</summary>
    DefinitionFile,
    /// <summary>A local sandbox directory, used in place.</summary>
    SandboxDirectory,
}

/// <summary>Where a task's container image comes from.</summary>
public sealed record ImageSource(ImageSourceKind Kind, string Reference)
{
    private static readonly (string Prefix, ImageSourceKind Kind)[] Schemes =
    [
        ("docker://", ImageSourceKind.Docker),
        ("library://", ImageSourceKind.Library),
        ("oras://", ImageSourceKind.Oras),
        ("http://", ImageSourceKind.Http),
        ("https://", ImageSourceKind.Http),
    ];

    /// <summary>True when the image must be built (or pulled) before tasks can use it.</summary>
    public bool NeedsBuild => Kind is not (ImageSourceKind.SifFile or ImageSourceKind.SandboxDirectory);

    public bool IsLocalPath => Kind is ImageSourceKind.SifFile or ImageSourceKind.DefinitionFile or ImageSourceKind.SandboxDirectory;

    /// <summary>
    /// Classifies an image reference. Local paths are made absolute against <paramref name="baseDirectory"/>;
    /// a path that is neither <c>.sif</c> nor <c>.def</c> is a sandbox directory.
    /// </summary>
    public static bool TryParse(string? reference, string baseDirectory, out ImageSource? image, out string? error)
    {
        image = null;
        if (string.IsNullOrWhiteSpace(reference))
        {
            error = "the image reference is empty";
            return false;
        }

        if (reference.Any(char.IsWhiteSpace))
        {
            error = $"the image reference '{reference}' contains whitespace";
            return false;
        }

        foreach (var (prefix, kind) in Schemes)
        {
            if (reference.StartsWith(prefix, StringComparison.Ordinal))
            {
                if (reference.Length == prefix.Length)
                {
                    error = $"the image reference '{reference}' names no image after '{prefix}'";
                    return false;
                }

                image = new ImageSource(kind, reference);
                error = null;
                return true;
            }
        }

        var schemeEnd = reference.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            error = $"the image reference '{reference}' has an unknown scheme '{reference[..schemeEnd]}://' " +
                    "(expected docker://, library://, oras://, http(s)://, a .sif or .def file, or a sandbox directory)";
            return false;
        }

        var path = Path.GetFullPath(ExpandHome(reference), baseDirectory);
        var localKind = path.EndsWith(".sif", StringComparison.OrdinalIgnoreCase) ? ImageSourceKind.SifFile
            : path.EndsWith(".def", StringComparison.OrdinalIgnoreCase) ? ImageSourceKind.DefinitionFile
            : ImageSourceKind.SandboxDirectory;
        image = new ImageSource(localKind, path);
        error = null;
        return true;
    }

    public static ImageSource Parse(string reference, string? baseDirectory = null) =>
        TryParse(reference, baseDirectory ?? Directory.GetCurrentDirectory(), out var image, out var error)
            ? image!
            : throw new FormatException(error);

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : path;

    public override string ToString() => Reference;
}
