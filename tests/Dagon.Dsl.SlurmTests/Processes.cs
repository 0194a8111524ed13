using System.Diagnostics;

namespace Dagon.Dsl.SlurmTests;

/// <summary>Runs real programs (sinfo, sbatch, ssh, the provisioning scripts) with a time limit.</summary>
internal static class Processes
{
    public static (int Code, string Output) Run(
        string file, IEnumerable<string> args, TimeSpan limit, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, $"cannot run {file}: {e.Message}");
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(limit))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return (-1, $"{file} {string.Join(' ', args)}: timed out after {limit.TotalSeconds} s; output so far: {stdout.Result}{stderr.Result}");
            }

            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }

    /// <summary>One word for a POSIX shell: single-quoted, with embedded single quotes escaped.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dagon.Dsl.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("cannot find the repository root (Dagon.Dsl.sln) above " + AppContext.BaseDirectory);
    }
}
