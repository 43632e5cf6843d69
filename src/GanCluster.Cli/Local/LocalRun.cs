using System.Security.Cryptography;
using System.Text.Json;
using GanCluster.Cli.Commands;
using GanCluster.Cluster.Hosting;
using GanCluster.Core.IO;
using GanCluster.Core.Runs;
using GanCluster.Telemetry;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cli.Local;

/// <summary>
/// `gancluster local`: a coordinator and N trainer processes on loopback, as Kubernetes would run them, with
/// their output prefixed ([coord], [t0], ...; JSON lines pass through as they are, labelled by node). A restarted node joins through the live nodes as its seeds. A trainer
/// comes back on a fresh port, so it rejoins at once; the coordinator comes back at its old address (the trainers'
/// seeds name it), which Akka admits only once the failure detector and the split-brain resolver have removed the
/// dead incarnation, so the cluster never holds two coordinator incarnations. Like a Kubernetes controller, the launcher restarts a process
/// that dies while the run goes on (a killed trainer comes back as a new member and receives the state from a
/// live peer; a killed coordinator recovers from its journal). A signal is passed on to every child (each stops
/// cleanly: the current step finishes and rank 0 checkpoints); whatever has not exited a minute later is killed.
/// RUN_DIR/local/processes.json lists the live processes (for chaos testing and for humans).
/// </summary>
public sealed class LocalRun(LocalRunOptions options)
{
    readonly Dictionary<string, Slot> _slots = [];
    readonly Lock _lock = new();
    readonly Lock _console = new();
    volatile bool _over;

    sealed class Slot(string name, string role, int port, List<string> args)
    {
        public string Name { get; } = name;
        public string Role { get; } = role;
        public int Port { get; set; } = port;
        public int MetricsPort { get; } = int.Parse(args[args.IndexOf("--metrics-port") + 1]);
        public List<string> Args { get; } = args;
        public ChildProcess? Process { get; set; }
        public int Restarts { get; set; }
    }

    public async Task<int> RunAsync(CancellationToken signal)
    {
        string token = options.Token ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var env = new Dictionary<string, string>(options.ChildEnvironment) { [TrainerCommand.TokenVariable] = token };
        int coordinatorPort = options.CoordinatorPort ?? FreePorts.Next();
        var trainerPorts = Enumerable.Range(0, options.Workers).Select(_ => FreePorts.Next()).ToList();
        string seeds = string.Join(",", new[] { coordinatorPort }.Concat(trainerPorts).Select(Seed));

        var coordinatorArgs = new List<string> { "coordinator", "--out", options.RunDir, "--port", coordinatorPort.ToString(),
            "--seed-nodes", seeds, "--workers", options.Workers.ToString(), "--metrics-port", FreePorts.Next().ToString() };
        coordinatorArgs.AddRange(options.SpecArgs);
        coordinatorArgs.AddRange(options.NodeArgs);
        if (options.Resume) coordinatorArgs.Add("--resume");
        if (options.Force) coordinatorArgs.Add("--force");
        var coordinator = Add("coord", "coordinator", coordinatorPort, coordinatorArgs);
        for (int i = 0; i < options.Workers; i++)
        {
            var trainerArgs = new List<string> { "trainer", "--out", options.RunDir, "--port", trainerPorts[i].ToString(),
                "--seed-nodes", seeds, "--device", "cpu", "--metrics-port", FreePorts.Next().ToString() };
            trainerArgs.AddRange(options.SpecArgs);
            trainerArgs.AddRange(options.NodeArgs);
            if (options.ThreadsPerTrainer is { } threads) trainerArgs.AddRange(["--set", $"threads={threads}"]);
            if (options.Force) trainerArgs.Add("--force");
            if (options.TensorBoardDir is { } board) trainerArgs.AddRange(["--tensorboard", board]);
            Add($"t{i}", "trainer", trainerPorts[i], trainerArgs);
        }
        WriteMetricsPorts();
        foreach (var slot in _slots.Values) Start(slot, env);

        using var stopOnSignal = signal.Register(() =>
        {
            _over = true;
            NodeLog.Warning("stopping every process (each finishes its step; rank 0 checkpoints)...");
            foreach (var c in Live()) c.Terminate();
            _ = Task.Delay(TimeSpan.FromSeconds(60)).ContinueWith(_ => { foreach (var c in Live()) c.KillNow(); });
        });

        // Supervise until the coordinator ends the run (ExitCodes.EndsRun: 0, 1, 2 or 4) or a signal stops everything.
        int exitCode;
        while (true)
        {
            var running = Live().ToList();
            var exited = await Task.WhenAny(running.Select(c => c.WaitAsync().ContinueWith(_ => c)));
            var child = exited.Result;
            var slot = _slots.Values.First(s => s.Process == child);
            if (slot == coordinator && (ExitCodes.EndsRun(child.ExitCode) || _over)) { exitCode = child.ExitCode; break; }
            if (_over || signal.IsCancellationRequested) { if (!Live().Any(c => !c.HasExited)) { exitCode = ExitCodes.Interrupted; break; } continue; }
            if (ShouldRestart(slot, child.ExitCode))
            {
                slot.Restarts++;
                if (slot.Role == "trainer")
                {
                    // A fresh address: the new member can join at once, without waiting for the cluster to remove
                    // its dead predecessor.
                    slot.Port = FreePorts.Next();
                    slot.Args[slot.Args.IndexOf("--port") + 1] = slot.Port.ToString();
                }
                NodeLog.Warning($"{slot.Name} exited with code {child.ExitCode}; restarting it on port {slot.Port} (restart {slot.Restarts})");
                slot.Args[slot.Args.IndexOf("--seed-nodes") + 1] = RejoinSeeds(slot);
                await Task.Delay(TimeSpan.FromSeconds(1));
                Start(slot, env);
            }
            else
            {
                NodeLog.Info($"{slot.Name} exited with code {child.ExitCode}");
                slot.Process = null;
                if (!Live().Any()) { exitCode = ExitCodes.Failure; break; }
            }
        }
        _over = true;
        // The coordinator ended the run; trainers follow within seconds. Stragglers are asked, then made, to stop.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await Task.WhenAll(Live().Select(c => c.WaitAsync(grace.Token))); }
        catch (OperationCanceledException)
        {
            foreach (var c in Live().Where(c => !c.HasExited)) { NodeLog.Warning($"{c.Name} did not exit; stopping it"); c.Terminate(); }
            await Task.Delay(TimeSpan.FromSeconds(10));
            foreach (var c in Live()) c.KillNow();
        }
        WriteProcessList();
        return signal.IsCancellationRequested ? ExitCodes.Interrupted : exitCode; // the command answers with the signal's own code
    }

    /// <summary>
    /// Seeds for a restarted node. A trainer: the coordinator's address (fixed for the whole run) and the other live
    /// nodes, never itself, so it joins the running cluster and never forms one of its own. The coordinator: itself
    /// first, then the live trainers; if none of them answers within the seed-node timeout (they are all being
    /// restarted too), it starts a new cluster, which the restarted trainers then join through its address.
    /// </summary>
    private string RejoinSeeds(Slot restarted)
    {
        var live = _slots.Values.Where(s => s != restarted && s.Process is { HasExited: false }).Select(s => s.Port);
        var seeds = restarted.Role == "trainer"
            ? _slots.Values.Where(s => s.Role != "trainer").Select(s => s.Port).Concat(live).Distinct()
            : new[] { restarted.Port }.Concat(live);
        return string.Join(",", seeds.Select(Seed));
    }

    static string Seed(int port) => $"127.0.0.1:{port}";

    /// <summary>
    /// A node's own decisions (<see cref="ExitCodes.IsDecision"/>: done, failed or gave up, bad input, stopped by the
    /// collapse response or by a signal) stand; anything else (killed, or 3: rejoin requested) is a crash to recover from.
    /// </summary>
    static bool ShouldRestart(Slot slot, int exitCode) => slot.Restarts < 50 && !ExitCodes.IsDecision(exitCode);

    Slot Add(string name, string role, int port, List<string> args)
    {
        var slot = new Slot(name, role, port, args);
        _slots[name] = slot;
        return slot;
    }

    void Start(Slot slot, Dictionary<string, string> env)
    {
        // The node label on its metrics: the slot's name, the same across restarts (the metrics port is kept too).
        var nodeEnv = new Dictionary<string, string>(env) { [TelemetryOptions.NodeNameVariable] = slot.Name };
        foreach (var (k, v) in NodeLog.ChildEnvironment()) nodeEnv[k] = v;
        lock (_lock) slot.Process = ChildProcess.Start(slot.Name, slot.Args, nodeEnv, Print);
        WriteProcessList();
    }

    IEnumerable<ChildProcess> Live()
    {
        lock (_lock) return _slots.Values.Select(s => s.Process).OfType<ChildProcess>().ToList();
    }

    void WriteProcessList()
    {
        string dir = Path.Combine(options.RunDir, "local");
        Directory.CreateDirectory(dir);
        List<object> list;
        lock (_lock)
            list = _slots.Values.Where(s => s.Process is { HasExited: false })
                .Select(s => (object)new { name = s.Name, role = s.Role, pid = s.Process!.Pid, port = s.Port, metrics_port = s.MetricsPort, restarts = s.Restarts })
                .ToList();
        DurableFile.WriteAllText(Path.Combine(dir, "processes.json"), JsonSerializer.Serialize(list, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// RUN_DIR/local/metrics-ports.json: every node's /metrics port (kept across restarts and after the run), for a
    /// Prometheus file_sd config or a human with curl.
    /// </summary>
    void WriteMetricsPorts()
    {
        string dir = Path.Combine(options.RunDir, "local");
        Directory.CreateDirectory(dir);
        var list = _slots.Values.Select(s => new { name = s.Name, role = s.Role, metrics_port = s.MetricsPort, url = $"http://127.0.0.1:{s.MetricsPort}/metrics" });
        DurableFile.WriteAllText(Path.Combine(dir, MetricsPortsFile), JsonSerializer.Serialize(list, new JsonSerializerOptions { WriteIndented = true }));
    }

    public const string MetricsPortsFile = "metrics-ports.json";

    void Print(string name, string line)
    {
        lock (_console) options.Output(name, line);
    }
}

public sealed class LocalRunOptions
{
    public required string RunDir { get; init; }

    public required int Workers { get; init; }

    /// <summary>Node options passed to every child (TLS on Akka remoting, the metrics endpoint's address).</summary>
    public IReadOnlyList<string> NodeArgs { get; init; } = [];

    /// <summary>Environment variables every child gets besides the run token (the run certificate's password).</summary>
    public IReadOnlyDictionary<string, string> ChildEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>--config/--set arguments passed to every child, so they all resolve the same spec.</summary>
    public required IReadOnlyList<string> SpecArgs { get; init; }

    public bool Resume { get; init; }

    public bool Force { get; init; }

    public int? ThreadsPerTrainer { get; init; }

    public int? CoordinatorPort { get; init; }

    public string? Token { get; init; }

    /// <summary>TensorBoard event files of the run (--tensorboard DIR, passed to every trainer); null: as the spec says.</summary>
    public string? TensorBoardDir { get; init; }

    /// <summary>A line a child printed (its name, the line): <see cref="NodeLog.Relay"/> by default.</summary>
    public Action<string, string> Output { get; init; } = NodeLog.Relay;
}
