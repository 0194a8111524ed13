#nullable enable
using System.Collections.Generic;

namespace Dagon.Rules;

/// <summary>
/// Declared outputs of a task: paths relative to its work folder, literal (<c>output/f1.txt</c>) or globs
/// (<c>results/*.csv</c>). <c>*</c> and <c>?</c> stay within one folder, <c>**</c> crosses folders. The analyzers
/// (a <c>workflow:///A/x</c> reference to an undeclared <c>x</c>) and the runtime (a missing output fails the task)
/// match with this one rule.
/// </summary>
internal static class OutputPatterns
{
    public static bool IsGlob(string pattern) => pattern.IndexOf('*') >= 0 || pattern.IndexOf('?') >= 0;

    /// <summary>The pattern without a leading <c>./</c> or trailing <c>/</c>.</summary>
    public static string Normalize(string path)
    {
        var p = path.Replace('\\', '/');
        while (p.StartsWith("./", System.StringComparison.Ordinal)) p = p.Substring(2);
        return p.TrimEnd('/');
    }

    /// <summary>Why a declared output cannot be used, or null: it must be relative and stay inside the work folder.</summary>
    public static string? Problem(string pattern)
    {
        var p = Normalize(pattern);
        if (p.Length == 0) return "an output must name a file or a pattern";
        if (p.StartsWith("/", System.StringComparison.Ordinal)) return $"output '{pattern}' must be relative to the work folder";
        foreach (var part in p.Split('/'))
        {
            if (part == "..") return $"output '{pattern}' must stay inside the work folder";
        }

        return null;
    }

    /// <summary>True when the file <paramref name="path"/> is the output, matches it as a glob, or lies inside a declared folder.</summary>
    public static bool Contains(string pattern, string path)
    {
        var p = Normalize(pattern);
        var f = Normalize(path);
        return Matches(p, f) || (!IsGlob(p) && f.StartsWith(p + "/", System.StringComparison.Ordinal));
    }

    /// <summary>The folder a listing of the pattern's files starts from: the segments before the first glob ("." for none).</summary>
    public static string ListingRoot(string pattern)
    {
        var p = Normalize(pattern);
        if (!IsGlob(p)) return p;
        var parts = p.Split('/');
        var fixedParts = new List<string>();
        foreach (var part in parts)
        {
            if (IsGlob(part)) break;
            fixedParts.Add(part);
        }

        return fixedParts.Count == 0 ? "." : string.Join("/", fixedParts);
    }

    /// <summary>
    /// True when <paramref name="path"/> is the output, lies inside it (a declared folder), or matches it as a glob; a
    /// reference to a folder that holds declared outputs (<c>results</c> for <c>results/*.csv</c>) matches too.
    /// </summary>
    public static bool Covers(string pattern, string path)
    {
        var p = Normalize(pattern);
        var f = Normalize(path);
        if (f.Length == 0 || Contains(p, f)) return true;
        return p.StartsWith(f + "/", System.StringComparison.Ordinal);
    }

    /// <summary>True when one of <paramref name="patterns"/> covers <paramref name="path"/>.</summary>
    public static bool AnyCovers(IEnumerable<string> patterns, string path)
    {
        foreach (var pattern in patterns)
        {
            if (Covers(pattern, path)) return true;
        }

        return false;
    }

    /// <summary>Glob match of a whole relative path.</summary>
    public static bool Matches(string pattern, string path) => Match(Normalize(pattern), 0, Normalize(path), 0);

    private static bool Match(string p, int pi, string s, int si)
    {
        while (pi < p.Length)
        {
            var c = p[pi];
            if (c == '*')
            {
                var crosses = pi + 1 < p.Length && p[pi + 1] == '*';
                var rest = pi + (crosses ? 2 : 1);
                if (crosses && rest < p.Length && p[rest] == '/' && Match(p, rest + 1, s, si)) return true;
                for (var k = si; k <= s.Length; k++)
                {
                    if (Match(p, rest, s, k)) return true;
                    if (k < s.Length && s[k] == '/' && !crosses) return false;
                }

                return false;
            }

            if (si >= s.Length) return false;
            if (c == '?' ? s[si] == '/' : c != s[si]) return false;
            pi++;
            si++;
        }

        return si == s.Length;
    }
}
