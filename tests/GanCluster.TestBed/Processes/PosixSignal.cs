using System.Runtime.InteropServices;

namespace GanCluster.TestBed.Processes;

/// <summary>kill(2): the signals the bed and the nemesis send.</summary>
public static partial class PosixSignal
{
    public const int Kill = 9;
    public const int Term = 15;
    public const int Stop = 19;
    public const int Continue = 18;

    /// <summary>False when the process no longer exists.</summary>
    public static bool Send(int pid, int signal) => SendSignal(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);
}
