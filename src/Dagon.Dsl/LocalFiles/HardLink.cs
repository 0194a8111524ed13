using System.Runtime.InteropServices;

namespace Dagon.LocalFiles;

/// <summary>
/// A second name for an existing file (POSIX <c>link</c>): no byte is copied. Fails, and the caller copies instead,
/// where the two names lie on different file systems or the file system has no hard links.
/// </summary>
internal static partial class HardLink
{
    private const int NoSuchFile = 2;
    private const int AlreadyExists = 17;

    public enum Result { Linked, SourceMissing, NotPossible }

    /// <summary>Links <paramref name="target"/> to <paramref name="source"/>, replacing a file already named <paramref name="target"/>.</summary>
    public static Result TryCreate(string source, string target)
    {
        if (!OperatingSystem.IsLinux()) return Result.NotPossible;
        if (Link(source, target) == 0) return Result.Linked;
        var error = Marshal.GetLastPInvokeError();
        if (error == AlreadyExists)
        {
            File.Delete(target);
            if (Link(source, target) == 0) return Result.Linked;
            error = Marshal.GetLastPInvokeError();
        }

        // ENOENT can also mean a missing target folder; the copy that follows tells the two apart.
        return error == NoSuchFile && !File.Exists(source) ? Result.SourceMissing : Result.NotPossible;
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string source, string target);
}
