using System.Diagnostics;
using System.Text;

namespace GanCluster.Collective.Tests;

/// <summary>
/// Starts one GanCluster.Collective.TestWorker process per rank, does the rendezvous (collects each "PORT p"
/// line, sends everyone the endpoint list) and collects each rank's output. Every wait is bounded, so a hang
/// fails the test instead of stalling the suite.
/// </summary>
public sealed class WorkerWorld : IDisposable
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    readonly Process[] _processes;
    readonly StringBuilder[] _stdout;
    readonly StringBuilder[] _stderr;
    readonly Task[] _pumps;

    static Task Pump(StreamReader reader, StringBuilder into) => Task.Run(async () =>
    {
        while (await reader.ReadLineAsync() is { } line)
            lock (into) into.AppendLine(line);
    });

    /// <param name="beforeRendezvous">runs with every rank's data-plane port before the ranks learn the world (e.g. to
    /// start an attack on their listeners)</param>
    public WorkerWorld(int size, Func<int, string[]> argsFor, Action<IReadOnlyList<int>>? beforeRendezvous = null)
    {
        Directory = Path.Combine(Path.GetTempPath(), "gancluster-collective-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        _processes = new Process[size];
        _stdout = new StringBuilder[size];
        _stderr = new StringBuilder[size];
        var ports = new string[size];
        for (int r = 0; r < size; r++)
        {
            var psi = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "GanCluster.Collective.TestWorker.dll"));
            foreach (var a in new[] { "--rank", r.ToString(), "--out", OutputOf(r) }.Concat(argsFor(r))) psi.ArgumentList.Add(a);
            _processes[r] = Process.Start(psi)!;
        }
        for (int r = 0; r < size; r++)
        {
            var line = _processes[r].StandardOutput.ReadLineAsync().WaitAsync(Limit).GetAwaiter().GetResult();
            if (line is null || !line.StartsWith("PORT ")) throw new InvalidOperationException($"rank {r} did not report its port: '{line}'");
            ports[r] = line[5..];
        }
        _pumps = new Task[size * 2];
        for (int r = 0; r < size; r++)
        {
            _stdout[r] = new StringBuilder();
            _stderr[r] = new StringBuilder();
            _pumps[2 * r] = Pump(_processes[r].StandardOutput, _stdout[r]);
            _pumps[2 * r + 1] = Pump(_processes[r].StandardError, _stderr[r]);
        }
        beforeRendezvous?.Invoke(ports.Select(int.Parse).ToList());
        var endpoints = string.Join(',', ports.Select(p => $"127.0.0.1:{p}"));
        foreach (var p in _processes)
        {
            p.StandardInput.WriteLine(endpoints);
            p.StandardInput.Flush();
        }
    }

    public string Directory { get; }

    public string OutputOf(int rank) => Path.Combine(Directory, $"rank{rank}.bin");

    public string Stdout(int rank)
    {
        lock (_stdout[rank]) return _stdout[rank].ToString();
    }

    public string Describe(int rank)
    {
        lock (_stderr[rank]) return $"rank {rank} stdout:\n{Stdout(rank)}\nstderr:\n{_stderr[rank]}";
    }

    /// <summary>Waits for <paramref name="rank"/> to exit (bounded) and returns its exit code.</summary>
    public int WaitForExit(int rank)
    {
        if (!_processes[rank].WaitForExit(Limit)) Assert.Fail($"rank {rank} hangs\n{Describe(rank)}");
        Task.WhenAll(_pumps[2 * rank], _pumps[2 * rank + 1]).Wait(TimeSpan.FromSeconds(10)); // drain the output
        return _processes[rank].ExitCode;
    }

    public void WaitForLine(int rank, string text)
    {
        var until = DateTime.UtcNow + Limit;
        while (!Stdout(rank).Contains(text))
        {
            if (DateTime.UtcNow > until || _processes[rank].HasExited) Assert.Fail($"rank {rank} never said {text}\n{Describe(rank)}");
            Thread.Sleep(20);
        }
    }

    public void Kill(int rank) => _processes[rank].Kill(entireProcessTree: true);

    public int Pid(int rank) => _processes[rank].Id;

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
