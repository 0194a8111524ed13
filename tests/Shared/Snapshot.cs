using System.Runtime.CompilerServices;

namespace Dagon.Dsl.Testing;

/// <summary>
/// Approved-file snapshots (Verify cannot be restored here): the text must equal <c>Snapshots/NAME.approved.EXT</c>
/// in the calling test project, which is checked in. On a difference the actual text is written beside it as
/// <c>NAME.received.EXT</c> for review. Set <c>DAGON_APPROVE_SNAPSHOTS=1</c> to accept the new output. One file,
/// linked into every test project that keeps snapshots.
/// </summary>
internal static class Snapshot
{
    public const string ApproveVariable = "DAGON_APPROVE_SNAPSHOTS";

    public static void Match(string actual, string name, string extension = "txt", [CallerFilePath] string callerFile = "")
    {
        var directory = Path.Combine(FindProjectDirectory(callerFile), "Snapshots");
        var approved = Path.Combine(directory, $"{name}.approved.{extension}");
        var received = Path.Combine(directory, $"{name}.received.{extension}");
        actual = actual.Replace("\r\n", "\n");

        if (Environment.GetEnvironmentVariable(ApproveVariable) == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(approved, actual);
            File.Delete(received);
            return;
        }

        var expected = File.Exists(approved) ? File.ReadAllText(approved).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"No approved snapshot {approved}; review {received} and rerun with {ApproveVariable}=1."
            : $"Output differs from {approved}; see {received} (rerun with {ApproveVariable}=1 to approve).");
    }

    private static string FindProjectDirectory(string callerFile)
    {
        for (var directory = Path.GetDirectoryName(callerFile); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (Directory.EnumerateFiles(directory, "*.csproj").Any()) return directory;
        }

        throw new InvalidOperationException("Cannot find the test project directory from " + callerFile);
    }
}
