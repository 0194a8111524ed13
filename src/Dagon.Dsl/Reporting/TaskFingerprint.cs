using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dagon.Model;

namespace Dagon.Reporting;

/// <summary>
/// A short, stable hash of what a task does: the same command, image, binds and environment give the same hash on
/// every run and machine, so traces of two runs can be joined on it (Nextflow's task hash plays the same role).
/// </summary>
public static class TaskFingerprint
{
    /// <summary>Hex digits kept: 10 (40 bits) keep collisions unlikely among millions of distinct tasks.</summary>
    public const int Length = 10;

    public static string Of(TaskDefinition task)
    {
        var text = new StringBuilder();
        Field(text, "kind", task.Kind.ToString());
        Field(text, "command", task.Command);
        Field(text, "shell", task.Shell ?? "");
        Field(text, "image", task.Image ?? "");
        foreach (var bind in task.BindPaths) Field(text, "bind", bind.ToString());
        foreach (var (name, value) in task.Environment.OrderBy(e => e.Key, StringComparer.Ordinal)) Field(text, "env", $"{name}={value}");
        foreach (var option in task.ContainerOptions) Field(text, "option", option);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(hash)[..Length];
    }

    // Length-prefixed so that no two different field lists can spell the same text.
    private static void Field(StringBuilder text, string name, string value) =>
        text.Append(name).Append(':').Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('\n');
}
