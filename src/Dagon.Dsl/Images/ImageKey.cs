using System.Security.Cryptography;
using System.Text;
using Dagon.LocalFiles;
using Dagon.Model;

namespace Dagon.Images;

/// <summary>
/// The one naming rule for cached images, on this machine and on every host: <c>NAME-KEY.sif</c>, where NAME is
/// readable and KEY a content key. A definition file is keyed by its text and by the content of every local source
/// its <c>%files</c> section copies, so editing a copied file rebuilds the image, and copies of one definition in
/// different folders share an image; any other source is keyed by its reference.
/// </summary>
public static class ImageKey
{
    public static string FileName(ImageSource source) => $"{ReadableName(source)}-{ContentKey(source)}.sif";

    /// <summary>
    /// The readable part of an image's names: the last path segment of the reference, without <c>.sif</c>/<c>.def</c>
    /// or an archive's extension, every character but letters, digits, '.', '-' and '_' made '_'
    /// (<c>docker://reg/dagon/busybox:1.35</c> is <c>busybox_1.35</c>). Library folders are searched for it.
    /// </summary>
    public static string ReadableName(ImageSource source) =>
        source.ArchivePath is { } archive
            ? ReadableName(Path.GetFileNameWithoutExtension(archive.TrimEnd('/')), ImageSourceKind.SifFile)
            : ReadableName(source.Reference, source.Kind);

    /// <summary>The file name a SIF copied as it is gets: its own name and the start of its sha256.</summary>
    public static string FileNameOfCopy(string sifPath, string sha256) =>
        $"{ReadableName(sifPath, ImageSourceKind.SifFile)}-{sha256[..16]}.sif";

    public static string ContentKey(ImageSource source)
    {
        if (source.ArchivePath is { } archive) return ArchiveKey(source, archive);
        if (source.Kind != ImageSourceKind.DefinitionFile) return Hash(source.Reference);
        var definition = File.ReadAllText(source.Reference);
        var material = new StringBuilder(definition);
        foreach (var file in DefinitionFile.CopiedSources(definition, Path.GetDirectoryName(source.Reference)!))
        {
            material.Append('\n').Append(file.Key).Append('\0').Append(file.Value);
        }

        return Hash(material.ToString());
    }

    /// <summary>An archive is keyed by its content (an OCI folder by its index.json), so a rewritten archive is rebuilt.</summary>
    private static string ArchiveKey(ImageSource source, string archive)
    {
        var file = source.Kind == ImageSourceKind.OciLayout ? Path.Combine(archive, "index.json") : archive;
        if (!File.Exists(file)) throw new ImagePreparationException($"image '{source.Reference}': '{file}' does not exist");
        return Hash(source.Reference + "\0" + FileDigest.Sha256(file));
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    private static string ReadableName(string reference, ImageSourceKind kind)
    {
        var last = reference.TrimEnd('/');
        last = last[(last.LastIndexOf('/') + 1)..];
        if (kind is ImageSourceKind.DefinitionFile or ImageSourceKind.SifFile) last = Path.GetFileNameWithoutExtension(last);
        var builder = new StringBuilder();
        foreach (var c in last) builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        return builder.Length == 0 ? "image" : builder.ToString();
    }
}

/// <summary>What a definition file takes from this machine when it is built.</summary>
public static class DefinitionFile
{
    /// <summary>True when the definition copies local files into the image (a <c>%files</c> section).</summary>
    public static bool CopiesFiles(string definition) => definition.Contains("%files", StringComparison.Ordinal);

    /// <summary>
    /// The local files a <c>%files</c> section copies (each line's first word, relative to the definition's folder;
    /// a folder counts with every file under it), as relative name to sha256. Sources that do not exist are listed
    /// as missing, so the key still changes when one appears.
    /// </summary>
    public static SortedDictionary<string, string> CopiedSources(string definition, string directory)
    {
        var sources = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in FilesSectionSources(definition))
        {
            var full = Path.GetFullPath(source, directory);
            if (File.Exists(full)) sources[source] = FileDigest.Sha256(full);
            else if (Directory.Exists(full))
            {
                foreach (var file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    sources[Path.GetRelativePath(directory, file)] = FileDigest.Sha256(file);
                }
            }
            else sources[source] = "missing";
        }

        return sources;
    }

    private static IEnumerable<string> FilesSectionSources(string definition)
    {
        var inFiles = false;
        foreach (var raw in definition.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('%'))
            {
                inFiles = line.StartsWith("%files", StringComparison.Ordinal);
                continue;
            }

            if (!inFiles || line.Length == 0 || line[0] == '#') continue;
            yield return line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0];
        }
    }

}
