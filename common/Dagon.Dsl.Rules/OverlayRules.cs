#nullable enable

namespace Dagon.Rules;

/// <summary>The limits on a task's overlay image.</summary>
internal static class OverlayRules
{
    /// <summary>The smallest overlay image <c>apptainer overlay create</c> accepts.</summary>
    public const int MinimumSizeMb = 64;

    /// <summary>
    /// Returns why an overlay image of <paramref name="sizeMb"/> MB cannot be made, or null when it can. The text
    /// completes "Task 'X' has overlay size N MB; ", which both the runtime and the analyzers put before it.
    /// </summary>
    public static string? Check(int sizeMb) =>
        sizeMb <= 0 ? "it must be positive"
        : sizeMb < MinimumSizeMb ? $"Apptainer needs at least {MinimumSizeMb} MB (or use WritableTmpfs for small scratch space)"
        : null;
}
