using System.Runtime.InteropServices;

namespace Dagon.Bench;

/// <summary>
/// Processor time used by this process and by every finished process it started (their children included, once
/// waited for). Wall time on a shared machine follows the other tenants' load; the processor time a workload
/// spends follows far less, so it is reported beside the wall-time ratio.
/// </summary>
internal static partial class CpuTime
{
    private const int Self = 0;
    private const int Children = -1;

    public static TimeSpan Now() => Used(Self) + Used(Children);

    private static TimeSpan Used(int who)
    {
        // struct rusage: ru_utime and ru_stime (two struct timeval each) first, then 14 longs we do not read.
        Span<long> usage = stackalloc long[18];
        if (GetRusage(who, ref MemoryMarshal.GetReference(usage)) != 0) throw new InvalidOperationException("getrusage failed");
        return TimeSpan.FromSeconds(usage[0] + usage[2]) + TimeSpan.FromMicroseconds(usage[1] + usage[3]);
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, ref long usage);
}
