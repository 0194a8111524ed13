using Dagon.Rules;

namespace Dagon.Model;

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

        if (ImageRules.IsArchive(kind))
        {
            // The path behind the prefix is local like any image file.
            var prefix = ImageRules.ArchivePrefix(kind)!;
            image = new ImageSource(kind, prefix + Path.GetFullPath(ExpandHome(reference![prefix.Length..]), baseDirectory));
        }
        else if (ImageRules.IsLocal(kind))
        {
            var path = Path.GetFullPath(ExpandHome(reference!), baseDirectory);
            image = new ImageSource(ImageRules.LocalKind(path), path);
        }
        else
        {
            image = new ImageSource(kind, reference!);
        }

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

    /// <summary>The local file or folder of a <c>docker-archive:</c>, <c>oci-archive:</c> or <c>oci:</c> image; null for other kinds.</summary>
    public string? ArchivePath => ImageRules.ArchivePrefix(Kind) is { } prefix ? Reference[prefix.Length..] : null;

    public override string ToString() => Reference;
}
