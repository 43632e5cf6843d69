using System.Runtime.InteropServices;

namespace GanCluster.Collective.Transport;

/// <summary>Linux futex on a 32-bit word in shared memory (cross-process: not FUTEX_PRIVATE). Waits are bounded.</summary>
internal static unsafe partial class Futex
{
    const int Wait = 0, Wake = 1;

    static readonly long SysFutex = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => -1,
    };

    public static bool Supported => OperatingSystem.IsLinux() && SysFutex > 0;

    [StructLayout(LayoutKind.Sequential)]
    struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, int* address, int op, int value, Timespec* timeout, int* address2, int value3);

    /// <summary>Sleeps while *<paramref name="address"/> == <paramref name="expected"/>, at most <paramref name="timeoutMs"/>.</summary>
    public static void WaitWhile(int* address, int expected, int timeoutMs)
    {
        var ts = new Timespec { Seconds = timeoutMs / 1000, Nanoseconds = (timeoutMs % 1000) * 1_000_000L };
        Syscall(SysFutex, address, Wait, expected, &ts, null, 0);
    }

    public static void WakeAll(int* address) => Syscall(SysFutex, address, Wake, int.MaxValue, null, null, 0);
}
