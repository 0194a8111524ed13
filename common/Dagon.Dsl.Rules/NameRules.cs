#nullable enable
using Dagon.Model;

namespace Dagon.Rules;

/// <summary>Which workflow and task names can be used.</summary>
internal static class NameRules
{
    /// <summary>
    /// True when <paramref name="name"/> can appear in a <c>workflow://</c> reference: non-empty, and free of '/' and
    /// of the characters at which <c>WorkflowReferenceParser</c> ends a reference.
    /// </summary>
    public static bool IsReferenceableName(string name)
    {
        if (name.Length == 0) return false;
        foreach (var c in name)
        {
            if (c == '/' || WorkflowReferenceParser.EndsReference(c)) return false;
        }

        return true;
    }
}
