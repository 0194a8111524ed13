#nullable enable
using System;
using System.Collections.Generic;
using System.Globalization;
using Dagon.Model;

namespace Dagon.Rules;

/// <summary>
/// What a task may name to be retried for, checked the same way at compile time (analyzers), at run time (the
/// workflow validator) and in dagon.ini (<c>retry_on</c>): the kinds of <see cref="RetryOn"/> and exit codes.
/// </summary>
internal static class RetryRules
{
    /// <summary>Every kind, with the name dagon.ini and the logs use for it.</summary>
    public static readonly (RetryOn Kind, string Name)[] Kinds =
    {
        (RetryOn.Timeout, "timeout"),
        (RetryOn.LostConnection, "lost-connection"),
        (RetryOn.NodeFailure, "node-failure"),
        (RetryOn.OutOfMemory, "out-of-memory"),
    };

    private const int AllKinds = (int)(RetryOn.Timeout | RetryOn.LostConnection | RetryOn.NodeFailure | RetryOn.OutOfMemory);

    /// <summary>
    /// Why a task cannot be retried for exit code <paramref name="code"/>, or null when it can. A process ends with
    /// 0 to 255 and 0 is success, so any other value would never match. Completes "Task 'X' retries on exit code N; ".
    /// </summary>
    public static string? CheckExitCode(int code) =>
        code is >= 1 and <= 255 ? null : "a failed process exits with 1 to 255, so this code never matches";

    /// <summary>Why <paramref name="kinds"/> holds a value that is no <see cref="RetryOn"/> kind, or null.</summary>
    public static string? CheckKinds(int kinds) =>
        (kinds & ~AllKinds) == 0 ? null : $"{kinds} is not a combination of RetryOn.Timeout, LostConnection, NodeFailure and OutOfMemory";

    /// <summary>The kinds' names, comma-separated (<c>timeout, out-of-memory</c>).</summary>
    public static string Describe(RetryOn kinds)
    {
        var names = new List<string>();
        foreach (var (kind, name) in Kinds)
        {
            if ((kinds & kind) != 0) names.Add(name);
        }

        return string.Join(", ", names);
    }

    /// <summary>
    /// Parses <c>retry_on</c>: kind names and exit codes separated by commas or spaces (<c>timeout, out-of-memory, 75</c>).
    /// Names are matched ignoring case, dashes and underscores (<c>OutOfMemory</c>, <c>out_of_memory</c>).
    /// </summary>
    /// <returns>Null, or why the text is not understood (naming the word).</returns>
    public static string? TryParse(string text, out RetryOn kinds, out List<int> exitCodes)
    {
        kinds = RetryOn.Unset;
        exitCodes = new List<int>();
        foreach (var word in text.Split(new[] { ',', ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(word, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code))
            {
                if (CheckExitCode(code) is { } error) return $"exit code {code}: {error}";
                exitCodes.Add(code);
                continue;
            }

            var found = false;
            var bare = Bare(word);
            foreach (var (kind, name) in Kinds)
            {
                if (Bare(name) != bare) continue;
                kinds |= kind;
                found = true;
            }

            if (!found) return $"'{word}' is neither an exit code nor one of {string.Join(", ", Array.ConvertAll(Kinds, k => k.Name))}";
        }

        return null;
    }

    private static string Bare(string name) => name.Replace("-", string.Empty).Replace("_", string.Empty).ToLowerInvariant();
}
