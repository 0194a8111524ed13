using System.Runtime.InteropServices;

namespace Dagon.LocalFiles;

/// <summary>Free space for an ordinary user on the file system that holds a folder of this machine (statvfs).</summary>
public static partial class FreeSpace
{
    /// <summary>Bytes available at <paramref name="path"/> (or its nearest existing parent); null where it cannot be told.</summary>
    public static long? At(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var existing = Path.GetFullPath(path);
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
        return StatVfs(existing, out var stat) == 0 ? (long)(stat.AvailableBlocks * stat.FragmentSize) : null;
    }

    /// <summary>struct statvfs of glibc on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct StatVfsResult
    {
        public ulong BlockSize;
        public ulong FragmentSize;
        public ulong Blocks;
        public ulong FreeBlocks;
        public ulong AvailableBlocks;
        public ulong Files;
        public ulong FreeFiles;
        public ulong AvailableFiles;
        public ulong FileSystemId;
        public ulong Flags;
        public ulong MaxNameLength;
        private unsafe fixed int _spare[6];
    }

    [LibraryImport("libc", EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatVfs(string path, out StatVfsResult result);
}
