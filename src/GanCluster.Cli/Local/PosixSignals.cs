using System.Runtime.InteropServices;

namespace GanCluster.Cli.Local;

/// <summary>Sends POSIX signals to other processes (SIGTERM for a clean stop; SIGKILL/SIGSTOP/SIGCONT for chaos).</summary>
public static partial class PosixSignals
{
    public const int Kill = 9;
    public const int Term = 15;
    public const int Stop = 19;
    public const int Continue = 18;

    /// <summary>Returns false when the process no longer exists.</summary>
    public static bool Send(int pid, int signal) => SendSignal(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);
}
