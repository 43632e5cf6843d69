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
        _process = Process.Start(FromATerminal(CliProcess.StartInfo(workingDirectory, args, environment)))!;
        _process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_stdout) _stdout.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_stdout) _stderr.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// Starts the CLI as a terminal would: with SIGINT and SIGQUIT at their default disposition. A test host launched
    /// in the background by a script (CI, `make test &amp;`) inherits them ignored, exec keeps ignored signals ignored, and
    /// the runtime (like Python and every shell convention) leaves an inherited SIG_IGN alone, so Ctrl-C tests would
    /// hang there. `env --default-signal` resets them and then execs the CLI, so the pid stays the CLI's.
    /// </summary>
    static ProcessStartInfo FromATerminal(ProcessStartInfo cli)
    {
        cli.ArgumentList.Insert(0, cli.FileName);
        cli.ArgumentList.Insert(0, "--default-signal=INT,QUIT");
        cli.FileName = "env";
        return cli;
    }

    public int ProcessId => _process.Id;

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
