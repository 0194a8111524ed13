#nullable enable
using System;
using System.Collections.Generic;
using System.Linq;

namespace Dagon.Rules;

/// <summary>
/// The existing name a mistyped one was probably meant to be: the code fix of an unknown task reference and the
/// command line's "did you mean" both ask it, so they suggest the same way.
/// </summary>
internal static class ClosestName
{
    /// <summary>The candidate with the smallest edit distance (ignoring case), if it is close enough to be a typo.</summary>
    public static string? Find(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates.OrderBy(c => c, StringComparer.Ordinal))
        {
            var distance = Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best is not null && bestDistance <= Math.Max(2, name.Length / 2) ? best : null;
    }

    /// <summary>Levenshtein distance, two rows at a time.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            var swap = previous;
            previous = current;
            current = swap;
        }

        return previous[b.Length];
    }
}
