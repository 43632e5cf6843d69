using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace GanCluster.Bench.Control;

/// <summary>
/// A coordinator and N simulated trainers (`gancluster trainer --simulate`) as OS processes on loopback, each process
/// with its output in a file of the run folder. Trainer processes hold <c>ranksPerNode</c> ranks each (as a host with
/// several GPUs runs one node with one trainer per device). Disposing kills every process it started.
/// </summary>
internal sealed partial class SimulatedCluster : IDisposable
{
    readonly string _cli, _dir;
    readonly string[] _spec;
    readonly string[] _trainerArgs;
    readonly Dictionary<string, string> _env;
    readonly List<Process?> _trainers = [];
    Process? _coordinator;

    public SimulatedCluster(string cli, string dir, int ranks, int ranksPerNode, int stepMs, int gradientKib, int progressEvery)
    {
        (_cli, _dir) = (cli, dir);
        Ranks = ranks;
        RanksPerNode = ranksPerNode;
        CoordinatorPort = PortBelowEphemeral();
        MetricsPort = PortBelowEphemeral();
        _spec =
        [
            "--set", "steps=100000000", "--set", $"cluster.workers={ranks}", "--set", $"cluster.progress_every={progressEvery}",
            "--set", "checkpoint.every=0", "--set", "sample_every=0", "--set", "collapse.enabled=false", "--set", "log_every=1000000",
            // Separate hosts in production: TCP between every pair of ranks (and no /dev/shm rings for hundreds of ranks here).
            "--set", "cluster.transport.shared_memory=false",
        ];
        _trainerArgs =
        [
            "trainer", "--out", "run", "--seed-nodes", $"127.0.0.1:{CoordinatorPort}", "--simulate", stepMs.ToString(CultureInfo.InvariantCulture),
            "--simulate-gradient-kib", gradientKib.ToString(CultureInfo.InvariantCulture),
            "--device", string.Join(',', Enumerable.Repeat("cpu", ranksPerNode)), .. _spec,
        ];
        _env = new Dictionary<string, string> { ["GANCLUSTER_RUN_TOKEN"] = Convert.ToHexString(Guid.NewGuid().ToByteArray()) };
        Record = new RunRecord(Path.Combine(dir, "run", "events.jsonl"), Path.Combine(dir, "coordinator.log"));
    }

    public int Ranks { get; }

    public int RanksPerNode { get; }

    public int Nodes => Ranks / RanksPerNode;

    /// <summary>Below Linux's ephemeral range (where the trainers' ports come from), so the coordinator's address sorts first and it is Akka's leader: its log holds the cluster's membership lines.</summary>
    public int CoordinatorPort { get; }

    public int MetricsPort { get; }

    public RunRecord Record { get; }

    public int CoordinatorPid => _coordinator!.Id;

    public void StartCoordinator() =>
        _coordinator = Start("coordinator.log", ["coordinator", "--out", "run", "--port", CoordinatorPort.ToString(CultureInfo.InvariantCulture),
            "--metrics-port", MetricsPort.ToString(CultureInfo.InvariantCulture), "--metrics-host", "127.0.0.1", .. _spec],
            new Dictionary<string, string>(_env) { ["GANCLUSTER_AKKA_LOGLEVEL"] = "INFO" });

    /// <summary>Starts trainer process <paramref name="index"/> (again, after a kill).</summary>
    public void StartTrainer(int index)
    {
        while (_trainers.Count <= index) _trainers.Add(null);
        // A small first generation keeps a mostly idle process's heap small (hundreds of them share this machine).
        _trainers[index] = Start($"trainer-{index}.log", _trainerArgs,
            new Dictionary<string, string>(_env) { ["DOTNET_GCgen0size"] = "0x200000", ["DOTNET_TieredPGO"] = "0" });
    }

    public void KillTrainer(int index)
    {
        var p = _trainers[index]!;
        _ = Kill(p.Id, 9);
        p.WaitForExit(5000);
    }

    public IEnumerable<int> TrainerPids => _trainers.Where(p => p is { HasExited: false }).Select(p => p!.Id);

    /// <summary>The coordinator's control messages received so far (its Prometheus counter, every type).</summary>
    public async Task<double> ControlMessagesAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string text = await http.GetStringAsync($"http://127.0.0.1:{MetricsPort}/metrics");
        return text.Split('\n').Where(l => l.StartsWith("gancluster_coordinator_control_messages_total", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    Process Start(string logName, string[] args, Dictionary<string, string> env)
    {
        // The shell sends the output to a file, so that no pipe of hundreds of processes needs draining here.
        var psi = new ProcessStartInfo("/bin/sh") { WorkingDirectory = _dir };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$0\" \"$@\" > \"" + logName + "\" 2>&1");
        psi.ArgumentList.Add(_cli);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    static int PortBelowEphemeral()
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int port = Random.Shared.Next(20000, 32000);
            try
            {
                using var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                return port;
            }
            catch (SocketException) { }
        }
        throw new InvalidOperationException("no free port in 20000-32000");
    }

    public void Dispose()
    {
        foreach (var p in _trainers.Append(_coordinator))
        {
            if (p is { HasExited: false }) _ = Kill(p.Id, 9);
            p?.WaitForExit(5000);
            p?.Dispose();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
