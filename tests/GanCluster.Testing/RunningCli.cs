using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace GanCluster.Testing;

/// <summary>
/// A `gancluster` process a test talks to while it runs: its output as it comes, POSIX signals, its exit code.
/// Disposing kills it (and its children) if it is still running, so no test leaves a process behind.
/// </summary>
public sealed partial class RunningCli : IDisposable
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    readonly StringBuilder _stdout = new(), _stderr = new();
    readonly Process _process;

    public RunningCli(string workingDirectory, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        _process = Process.Start(CliProcess.StartInfo(workingDirectory, args, environment))!;
        _process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_stdout) _stdout.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_stdout) _stderr.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

    public string Stderr { get { lock (_stdout) return _stderr.ToString(); } }

    public override string ToString() => $"stdout:\n{Stdout}\nstderr:\n{Stderr}";

    /// <summary>Waits until stdout or stderr contains <paramref name="text"/> (true), or the process exits or the deadline passes (false).</summary>
    public bool WaitFor(string text, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < deadline)
        {
            if (Stdout.Contains(text, StringComparison.Ordinal) || Stderr.Contains(text, StringComparison.Ordinal)) return true;
            if (_process.HasExited) break;
            Thread.Sleep(100);
        }
        _process.WaitForExit(100);
        return Stdout.Contains(text, StringComparison.Ordinal) || Stderr.Contains(text, StringComparison.Ordinal);
    }

    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
    }

    /// <summary>The exit code; throws when the process runs past <paramref name="limit"/>.</summary>
    public int WaitForExit(TimeSpan limit)
    {
        if (!_process.WaitForExit(limit)) throw new TimeoutException($"gancluster (pid {_process.Id}) did not exit within {limit}\n{this}");
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
