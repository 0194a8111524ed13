using System.Security.Cryptography;
using System.Text;

namespace Dagon.Staging;

/// <summary>Turns task and workflow names into path segments that are safe in any shell and file system.</summary>
public static class PathSegment
{
    /// <summary>
    /// Keeps <c>[A-Za-z0-9._-]</c> and replaces the rest with <c>_</c>; when anything was replaced a short hash of
    /// the original is appended, so that "a b" and "a_b" never share a directory.
    /// </summary>
    public static string Slug(string name)
    {
        // Most names are already safe: they are used as they are, without a copy (a run asks once per task and log).
        if (IsSafe(name)) return name;
        var builder = new StringBuilder(name.Length);
        var changed = name.Length == 0;
        foreach (var c in name)
        {
            if (IsKept(c)) builder.Append(c);
            else
            {
                builder.Append('_');
                changed = true;
            }
        }

        if (builder.Length > 0 && builder[0] == '.') { builder[0] = '_'; changed = true; }
        if (changed) builder.Append('-').Append(ShortHash(name));
        return builder.ToString();
    }

    private static bool IsSafe(string name)
    {
        if (name.Length == 0 || name[0] == '.') return false;
        foreach (var c in name)
        {
            if (!IsKept(c)) return false;
        }

        return true;
    }

    /// <summary>The characters a segment keeps as they are, <c>[A-Za-z0-9._-]</c>.</summary>
    private static bool IsKept(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    public static string ShortHash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8];
}
