using System.Diagnostics;
using GanCluster.TestBed.Network;

namespace GanCluster.TestBed.Processes;

/// <summary>
/// A process on a bed host and, unless its restart policy is <see cref="RestartPolicy.Never"/>, its supervisor: the
/// kubelet of this bed. Each incarnation is started with nsenter into the host's namespaces (network, hostname,
/// mounts), so its pid is an ordinary pid of this machine that the nemesis can signal. Every start and exit goes to
/// the supervisor log; the process's output goes to LOG_DIR/HOST-NAME.log.
/// </summary>
public sealed class BedProcess
{
    readonly BedHost _host;
    readonly SupervisorLog _log;
    readonly StreamWriter _logFile;
    readonly Lock _logLock = new();
    readonly Lock _lock = new();
    readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly CancellationTokenSource _stop = new();
    Process? _current;
    int _incarnation;

    internal BedProcess(BedHost host, ProcessSpec spec, SupervisorLog log, string logDirectory)
    {
        _host = host;
        Spec = spec;
        _log = log;
        _logFile = new StreamWriter(System.IO.Path.Combine(logDirectory, $"{host.Name}-{spec.Name}.log"), append: true) { AutoFlush = true };
        _ = Task.Run(SuperviseAsync);
    }

    public ProcessSpec Spec { get; }

    public string Name => Spec.Name;

    public BedHost Host => _host;

    /// <summary>The pid of the running incarnation, or null between incarnations and after the end.</summary>
    public int? Pid
    {
        get { lock (_lock) return _current is { HasExited: false } p ? p.Id : null; }
    }

    /// <summary>How many times the process was started (1 + restarts).</summary>
    public int Incarnations => Volatile.Read(ref _incarnation);

    /// <summary>Exit code of the last incarnation that ended.</summary>
    public int? LastExitCode { get; private set; }

    /// <summary>Completes when no incarnation runs and none will be started again.</summary>
    public Task Finished => _done.Task;

    /// <summary>Sends a signal to the running incarnation; false when none runs.</summary>
    public bool Signal(int signal) => Pid is { } pid && PosixSignal.Send(pid, signal);

    /// <summary>Stops supervising, asks the process to stop (SIGTERM) and kills it after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        RequestStop();
        Signal(PosixSignal.Continue); // a paused process cannot act on SIGTERM
        Signal(PosixSignal.Term);
        if (await Task.WhenAny(Finished, Task.Delay(grace)) != Finished) Signal(PosixSignal.Kill);
        await Task.WhenAny(Finished, Task.Delay(TimeSpan.FromSeconds(10)));
    }

    /// <summary>Stops supervising and kills the running incarnation at once (Dispose, a failed test).</summary>
    internal void KillNow()
    {
        RequestStop();
        Signal(PosixSignal.Kill);
    }

    void RequestStop()
    {
        if (_stop.IsCancellationRequested) return;
        _log.Add(new ProcessRecord(DateTimeOffset.UtcNow, _host.Name, Name, ProcessEventKind.StopRequested, Incarnations));
        _stop.Cancel();
    }

    async Task SuperviseAsync()
    {
        var backoff = Spec.InitialBackoff;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var process = StartIncarnation();
                var started = Stopwatch.StartNew();
                await process.WaitForExitAsync();
                int code = process.ExitCode;
                LastExitCode = code;
                _log.Add(new ProcessRecord(DateTimeOffset.UtcNow, _host.Name, Name, ProcessEventKind.Exit, Incarnations, process.Id, code));
                WriteLog($"[supervisor] incarnation {Incarnations} exited with code {code}");
                lock (_lock) _current = null;
                process.Dispose();
                if (_stop.IsCancellationRequested || !ShouldRestart(code) || Incarnations - 1 >= Spec.MaxRestarts) break;
                if (started.Elapsed >= Spec.BackoffResetAfter) backoff = Spec.InitialBackoff;
                try { await Task.Delay(backoff, _stop.Token); }
                catch (OperationCanceledException) { break; }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, Spec.MaxBackoff.Ticks));
            }
        }
        catch (Exception e)
        {
            WriteLog($"[supervisor] gave up: {e.Message}");
        }
        finally
        {
            lock (_lock) _current = null;
            lock (_logLock) _logFile.Dispose();
            _done.TrySetResult();
        }
    }

    bool ShouldRestart(int code) => Spec.Restart switch
    {
        RestartPolicy.Always => true,
        RestartPolicy.OnFailure => code != 0,
        _ => false,
    };

    Process StartIncarnation()
    {
        var psi = new ProcessStartInfo(_host.Bed.Tools.Nsenter)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in _host.EnterArgs(Spec.WorkingDirectory)) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(Spec.Command);
        foreach (var a in Spec.Args) psi.ArgumentList.Add(a);
        if (!Spec.InheritEnvironment)
        {
            string path = psi.Environment.TryGetValue("PATH", out var p) ? p ?? "" : "";
            psi.Environment.Clear();
            psi.Environment["PATH"] = path;
        }
        foreach (var (k, v) in Spec.Environment) psi.Environment[k] = v;
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        lock (_lock)
        {
            if (_stop.IsCancellationRequested) throw new OperationCanceledException("stopped before the start");
            process.Start();
            _current = process;
            _incarnation++;
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _log.Add(new ProcessRecord(DateTimeOffset.UtcNow, _host.Name, Name, ProcessEventKind.Start, Incarnations, process.Id));
        WriteLog($"[supervisor] incarnation {Incarnations} started, pid {process.Id}");
        return process;
    }

    void OnLine(string? line)
    {
        if (line == null) return;
        WriteLog(line);
        Spec.Output?.Invoke(line);
    }

    void WriteLog(string line)
    {
        lock (_logLock)
        {
            try { _logFile.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {line}"); }
            catch (ObjectDisposedException) { } // a line that arrived after the last incarnation's end
        }
    }
}
