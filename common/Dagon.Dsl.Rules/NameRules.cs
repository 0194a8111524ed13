#nullable enable
using Dagon.Model;

namespace Dagon.Rules;

/// <summary>Which workflow and task names can be used.</summary>
internal static class NameRules
{
    /// <summary>
    /// True when <paramref name="name"/> can appear in a <c>workflow://</c> reference and, unescaped, in logs and
    /// paths: non-empty, and free of '/', of control characters (newline, ESC: a name must not rewrite a terminal)
    /// and of the characters at which <c>WorkflowReferenceParser</c> ends a reference.
    /// </summary>
    public static bool IsReferenceableName(string name)
    {
        if (name.Length == 0) return false;
        foreach (var c in name)
        {
            if (c == '/' || char.IsControl(c) || WorkflowReferenceParser.EndsReference(c)) return false;
        }

        return true;
    }

    /// <summary>Why a task or workflow name is unusable, for messages.</summary>
    public const string Requirement =
        "names must be non-empty and free of '/', white space, control characters, quotes and the shell characters ;|&<>()$`\\";
}
