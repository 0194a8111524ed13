using Dagon.Rules;

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
    /// <summary>True when the image must be built (or pulled) before tasks can use it.</summary>
    public bool NeedsBuild => Kind is not (ImageSourceKind.SifFile or ImageSourceKind.SandboxDirectory);

    /// <summary>
    /// Classifies an image reference, with the syntax the analyzers check too (<see cref="ImageRules"/>). Local
    /// paths are made absolute against <paramref name="baseDirectory"/>; a path that is neither <c>.sif</c> nor
    /// <c>.def</c> is a sandbox directory.
    /// </summary>
    public static bool TryParse(string? reference, string baseDirectory, out ImageSource? image, out string? error)
    {
        image = null;
        if (!ImageRules.TryClassify(reference, out var kind, out error)) return false;

        if (ImageRules.IsLocal(kind))
        {
            var path = Path.GetFullPath(ExpandHome(reference!), baseDirectory);
            image = new ImageSource(ToSourceKind(ImageRules.LocalKind(path)), path);
        }
        else
        {
            image = new ImageSource(ToSourceKind(kind), reference!);
        }

        return true;
    }

    public static ImageSource Parse(string reference, string? baseDirectory = null) =>
        TryParse(reference, baseDirectory ?? Directory.GetCurrentDirectory(), out var image, out var error)
            ? image!
            : throw new FormatException(error);

    private static ImageSourceKind ToSourceKind(ImageKind kind) => kind switch
    {
        ImageKind.Docker => ImageSourceKind.Docker,
        ImageKind.Library => ImageSourceKind.Library,
        ImageKind.Oras => ImageSourceKind.Oras,
        ImageKind.Http => ImageSourceKind.Http,
        ImageKind.SifFile => ImageSourceKind.SifFile,
        ImageKind.DefinitionFile => ImageSourceKind.DefinitionFile,
        ImageKind.SandboxDirectory => ImageSourceKind.SandboxDirectory,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : path;

    public override string ToString() => Reference;
}
