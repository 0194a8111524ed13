using Microsoft.Extensions.Configuration;

namespace Dagon.Hosting;

/// <summary>
/// Keys of DagOnStar's dagon.ini that users already have, read as aliases of Dagon.Dsl's own keys:
/// <c>[batch] scratch_dir_base</c> is <c>[dagon] tmp_dir</c> and <c>[batch] remove_dir</c> is <c>[dagon] remove</c>.
/// (<c>[slurm] partition</c> is the same key in both.) An alias only fills a key the file leaves unset, and sits
/// below the environment and the command line like the file it came from.
/// </summary>
internal static class DagOnStarKeys
{
    public static readonly IReadOnlyList<(string Alias, string Key)> Aliases =
    [
        ("batch:scratch_dir_base", "dagon:tmp_dir"),
        ("batch:remove_dir", "dagon:remove"),
    ];

    /// <summary>Call right after adding dagon.ini, before the environment and the command line.</summary>
    public static void AddAliases(ConfigurationManager configuration)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (alias, key) in Aliases)
        {
            if (configuration[key] is null && configuration[alias] is { } value) values[key] = value;
        }

        if (values.Count > 0) configuration.AddInMemoryCollection(values);
    }
}
