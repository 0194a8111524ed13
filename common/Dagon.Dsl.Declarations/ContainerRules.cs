#nullable enable
using System;

namespace Dagon.Dsl.Declarations;

/// <summary>
/// The runtime's rules for image references and bind paths (<c>Dagon.Model.ImageSource</c>,
/// <c>Dagon.Model.BindPath</c>), restated for netstandard2.0 so that the analyzers reject at compile time exactly
/// what the runtime would reject when the workflow is built. Keep the two in step.
/// </summary>
internal static class ContainerRules
{
    private static readonly string[] ImageSchemes = { "docker://", "library://", "oras://", "http://", "https://" };

    /// <summary>Returns why <paramref name="image"/> is malformed, or null when it is usable.</summary>
    public static string? CheckImage(string? image)
    {
        if (image is null || image.Trim().Length == 0) return "the image reference is empty";
        foreach (var c in image)
        {
            if (char.IsWhiteSpace(c)) return $"the image reference '{image}' contains whitespace";
        }

        foreach (var scheme in ImageSchemes)
        {
            if (image.StartsWith(scheme, StringComparison.Ordinal))
            {
                return image.Length == scheme.Length ? $"the image reference '{image}' names no image after '{scheme}'" : null;
            }
        }

        var schemeEnd = image.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            return $"the image reference '{image}' has an unknown scheme '{image.Substring(0, schemeEnd)}://' " +
                   "(expected docker://, library://, oras://, http(s)://, a .sif or .def file, or a sandbox directory)";
        }

        return null;
    }

    /// <summary>True for a relative <c>.sif</c> or <c>.def</c> path: a file expected to sit in the project.</summary>
    public static bool IsRelativeImageFile(string image) =>
        image.IndexOf("://", StringComparison.Ordinal) < 0
        && !image.StartsWith("/", StringComparison.Ordinal)
        && !image.StartsWith("~", StringComparison.Ordinal)
        && (image.EndsWith(".sif", StringComparison.OrdinalIgnoreCase) || image.EndsWith(".def", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// True when <paramref name="name"/> can appear in a <c>workflow://</c> reference: non-empty, and free of '/' and
    /// of the characters at which <c>WorkflowReferenceParser</c> ends a reference (white space, quotes,
    /// <c>;|&amp;&lt;&gt;()$`\</c>). Keep in step with that parser.
    /// </summary>
    public static bool IsReferenceableName(string name)
    {
        if (name.Length == 0) return false;
        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c) || "/\"';|&<>()$`\\".IndexOf(c) >= 0) return false;
        }

        return true;
    }

    /// <summary>Returns why <paramref name="spec"/> is not <c>src:dst[:ro|:rw]</c> with an absolute destination, or null.</summary>
    public static string? CheckBind(string? spec)
    {
        if (spec is null || spec.Trim().Length == 0) return "a bind path must not be empty";
        var parts = spec.Split(':');
        if (parts.Length < 2 || parts.Length > 3) return $"bind path '{spec}' must have the form src:dst, src:dst:ro or src:dst:rw";
        if (parts[0].Length == 0 || parts[1].Length == 0) return $"bind path '{spec}' has an empty source or destination";
        if (!parts[1].StartsWith("/", StringComparison.Ordinal))
        {
            return $"bind path '{spec}' has a relative destination '{parts[1]}'; container paths must be absolute";
        }

        if (parts.Length == 3 && parts[2] != "ro" && parts[2] != "rw")
        {
            return $"bind path '{spec}' has an unknown option '{parts[2]}' (expected ro or rw)";
        }

        return null;
    }
}
