namespace Dagon.LocalFiles;

/// <summary>
/// The mark a running engine leaves in a folder it is using (<c>.owner</c>: its <see cref="ProcessIdentity"/>), so
/// that another engine can tell a live run from one whose engine died. A mark whose process is gone, or is another
/// process that got the same id, is dead.
/// </summary>
public static class OwnerMark
{
    public const string FileName = ".owner";

    /// <summary>Marks <paramref name="folder"/> as this engine's.</summary>
    public static void Claim(string folder) => File.WriteAllText(Path.Combine(folder, FileName), ProcessIdentity.Current + "\n");

    /// <summary>Takes this engine's mark away: the folder is no longer a run in progress.</summary>
    public static void Release(string folder) => File.Delete(Path.Combine(folder, FileName));

    /// <summary>The engine that marked <paramref name="folder"/>, or null when it has no readable mark.</summary>
    public static ProcessIdentity? Read(string folder)
    {
        try
        {
            var mark = Path.Combine(folder, FileName);
            return File.Exists(mark) ? ProcessIdentity.Parse(File.ReadAllText(mark).Trim()) : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
