#nullable enable
using System;
using Dagon.Model;

namespace Dagon.Rules;

/// <summary>The syntax of a container image reference: a known scheme, or a local file or directory.</summary>
internal static class ImageRules
{
    private static readonly (string Prefix, ImageSourceKind Kind)[] Schemes =
    {
        ("docker://", ImageSourceKind.Docker),
        ("library://", ImageSourceKind.Library),
        ("oras://", ImageSourceKind.Oras),
        ("http://", ImageSourceKind.Http),
        ("https://", ImageSourceKind.Http),
        // Local OCI/Docker images in a file or folder. They carry a single colon, so without these entries they
        // would be read as sandbox paths named "oci-archive:..." (and the analyzers would agree with that mistake).
        ("docker-archive:", ImageSourceKind.DockerArchive),
        ("oci-archive:", ImageSourceKind.OciArchive),
        ("oci:", ImageSourceKind.OciLayout),
    };

    /// <summary>Returns why <paramref name="image"/> is malformed, or null when it is usable.</summary>
    public static string? Check(string? image) => TryClassify(image, out _, out var error) ? null : error;

    /// <summary>
    /// Classifies <paramref name="image"/>, or says in <paramref name="error"/> why it is malformed. A reference
    /// without a scheme is a local path, classified by <see cref="LocalKind"/>.
    /// </summary>
    public static bool TryClassify(string? image, out ImageSourceKind kind, out string? error)
    {
        kind = default;
        if (image is null || image.Trim().Length == 0)
        {
            error = "the image reference is empty";
            return false;
        }

        foreach (var c in image)
        {
            if (char.IsWhiteSpace(c))
            {
                error = $"the image reference '{image}' contains whitespace";
                return false;
            }
        }

        foreach (var (prefix, schemeKind) in Schemes)
        {
            if (!image.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (image.Length == prefix.Length)
            {
                error = $"the image reference '{image}' names no image after '{prefix}'";
                return false;
            }

            kind = schemeKind;
            error = null;
            return true;
        }

        var schemeEnd = image.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            error = $"the image reference '{image}' has an unknown scheme '{image.Substring(0, schemeEnd)}://' " +
                    "(expected docker://, library://, oras://, http(s)://, docker-archive:, oci-archive:, oci:, a .sif or .def file, or a sandbox directory)";
            return false;
        }

        kind = LocalKind(image);
        error = null;
        return true;
    }

    /// <summary>True for <c>docker-archive:</c>, <c>oci-archive:</c> and <c>oci:</c>: a local file or folder behind a prefix.</summary>
    public static bool IsArchive(ImageSourceKind kind) =>
        kind is ImageSourceKind.DockerArchive or ImageSourceKind.OciArchive or ImageSourceKind.OciLayout;

    /// <summary>The prefix of an archive reference (<c>oci:</c>), or null.</summary>
    public static string? ArchivePrefix(ImageSourceKind kind) => kind switch
    {
        ImageSourceKind.DockerArchive => "docker-archive:",
        ImageSourceKind.OciArchive => "oci-archive:",
        ImageSourceKind.OciLayout => "oci:",
        _ => null,
    };

    /// <summary>True for the kinds that name a file or directory on the local file system.</summary>
    public static bool IsLocal(ImageSourceKind kind) =>
        kind is ImageSourceKind.SifFile or ImageSourceKind.DefinitionFile or ImageSourceKind.SandboxDirectory;

    /// <summary>A local path is a <c>.sif</c> image, a <c>.def</c> definition file, or else a sandbox directory.</summary>
    public static ImageSourceKind LocalKind(string path) =>
        path.EndsWith(".sif", StringComparison.OrdinalIgnoreCase) ? ImageSourceKind.SifFile
        : path.EndsWith(".def", StringComparison.OrdinalIgnoreCase) ? ImageSourceKind.DefinitionFile
        : ImageSourceKind.SandboxDirectory;

    /// <summary>True for a relative <c>.sif</c> or <c>.def</c> path: a file expected to sit in the project.</summary>
    public static bool IsRelativeImageFile(string image) =>
        image.IndexOf("://", StringComparison.Ordinal) < 0
        && !image.StartsWith("/", StringComparison.Ordinal)
        && !image.StartsWith("~", StringComparison.Ordinal)
        && LocalKind(image) is ImageSourceKind.SifFile or ImageSourceKind.DefinitionFile;
}
