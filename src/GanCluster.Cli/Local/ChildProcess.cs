using System.Diagnostics;

namespace GanCluster.Cli.Local;

/// <summary>A `gancluster` child process whose output lines are passed on with a prefix.</summary>
public sealed class ChildProcess : IDisposable
{
    readonly Process _process;

    ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public Task WaitAsync(CancellationToken cancel = default) => _process.WaitForExitAsync(cancel);

    /// <summary>Starts this same program with <paramref name="args"/> (under `dotnet` when it was started that way).</summary>
    public static ChildProcess Start(string name, IEnumerable<string> args, IDictionary<string, string> environment, Action<string, string> line)
    {
        var psi = SelfStartInfo();
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true; // children never read the terminal, and Ctrl-C reaches them only through us
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) line(name, e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) line(name, e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(name, process);
    }

    public static ProcessStartInfo SelfStartInfo()
    {
        string path = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(path);
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
            psi.ArgumentList.Add(typeof(ChildProcess).Assembly.Location); // started as `dotnet gancluster.dll`
        return psi;
    }

    /// <summary>Asks the child to stop cleanly (SIGTERM): it finishes its step and checkpoints.</summary>
    public void Terminate()
    {
        if (!_process.HasExited) PosixSignals.Send(_process.Id, PosixSignals.Term);
    }

    public void KillNow()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
    }

    public void Dispose() => _process.Dispose();
}
