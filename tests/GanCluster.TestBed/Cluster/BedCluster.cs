using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GanCluster.Cluster.Hosting;
using GanCluster.Core.Runs;
using GanCluster.TestBed.Checking;
using GanCluster.TestBed.Nemesis;
using GanCluster.TestBed.Network;
using GanCluster.TestBed.Processes;

namespace GanCluster.TestBed.Cluster;

/// <summary>
/// A GanCluster run on the bed as a user would start one on separate machines: the real `gancluster coordinator`
/// and `gancluster trainer` commands, one per host (hostnames "coordinator", "trainer-0", ...), static seed nodes
/// listing every node (coordinator first), the same fixed ports on every host, the run token in
/// GANCLUSTER_RUN_TOKEN, each process under a restart-on-failure supervisor. trainer-0 starts first and the others
/// once it registered, so it is the oldest trainer. The run's metrics.jsonl and events.jsonl are followed while it
/// runs (<see cref="JsonlTail"/>; RUN_DIR/bed/observed-*.jsonl).
/// </summary>
public sealed class BedCluster : IDisposable
{
    public const string CoordinatorRole = "coordinator";
    public const string TrainerRole = "trainer";
    public const string HistoryFolder = "bed";
    public const string ObservedMetricsFile = "observed-metrics.jsonl";
    public const string ObservedEventsFile = "observed-events.jsonl";

    readonly BedClusterOptions _options;

    BedCluster(BedClusterOptions options, BedNode coordinator, IReadOnlyList<BedNode> trainers, JsonlTail metrics, JsonlTail events)
    {
        _options = options;
        Coordinator = coordinator;
        Trainers = trainers;
        Metrics = metrics;
        Events = events;
    }

    public BedNode Coordinator { get; }

    public IReadOnlyList<BedNode> Trainers { get; }

    public IEnumerable<BedNode> Nodes => Trainers.Prepend(Coordinator);

    /// <summary>Every metrics.jsonl row seen during the run (rows rolled back included).</summary>
    public JsonlTail Metrics { get; }

    /// <summary>Every events.jsonl line seen during the run.</summary>
    public JsonlTail Events { get; }

    public string RunDirectory => _options.RunDirectory;

    public NemesisPorts Ports => new([PortRange.Single(_options.DataPort)], [PortRange.Single(_options.AkkaPort)]);

    public static string HistoryDirectory(string runDirectory) => Path.Combine(runDirectory, HistoryFolder);

    /// <summary>Adds the hosts to <paramref name="bed"/> and starts the run; returns once every node was started.</summary>
    public static async Task<BedCluster> StartAsync(Bed bed, BedClusterOptions options, CancellationToken cancel = default)
    {
        string run = Path.GetFullPath(options.RunDirectory);
        options = options with { RunDirectory = run };
        Directory.CreateDirectory(HistoryDirectory(run));
        var coordinatorHost = bed.AddHost("coordinator");
        var trainerHosts = Enumerable.Range(0, options.Trainers).Select(i => bed.AddHost($"trainer-{i}")).ToList();
        if (options.LinkBitsPerSecond > 0)
            foreach (var host in trainerHosts.Prepend(coordinatorHost)) host.LimitBandwidth(options.LinkBitsPerSecond);
        string seeds = string.Join(",", trainerHosts.Prepend(coordinatorHost).Select(h => NodeOptions.Address(h.Address.ToString(), options.AkkaPort)));
        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

        var metrics = new JsonlTail(Path.Combine(run, "metrics.jsonl"), Path.Combine(HistoryDirectory(run), ObservedMetricsFile));
        var events = new JsonlTail(Path.Combine(run, "events.jsonl"), Path.Combine(HistoryDirectory(run), ObservedEventsFile));
        BedNode Start(BedHost host, string role, IReadOnlyList<string> roleArgs)
        {
            var args = new List<string> { options.Cli, role, "--out", run, "--host", host.Address.ToString(), "--port", options.AkkaPort.ToString(),
                "--seed-nodes", seeds };
            args.AddRange(roleArgs);
            args.AddRange(options.SpecArgs);
            var process = host.Start(new ProcessSpec
            {
                Name = role,
                Command = DotnetHost(),
                Args = args,
                Environment = new Dictionary<string, string> { ["GANCLUSTER_RUN_TOKEN"] = token, ["GANCLUSTER_NODE_NAME"] = host.Name },
                WorkingDirectory = run,
                Restart = options.Restart,
                Output = options.Output is { } o ? line => o(host.Name, line) : null,
            });
            return new BedNode(host.Name, role, host, process);
        }

        var coordinator = Start(coordinatorHost, CoordinatorRole, ["--workers", options.Trainers.ToString()]);
        string[] trainerArgs = ["--data-port", options.DataPort.ToString(), "--device", "cpu"];
        var trainers = new List<BedNode> { Start(trainerHosts[0], TrainerRole, trainerArgs) };
        var cluster = new BedCluster(options, coordinator, trainers, metrics, events);
        try
        {
            await cluster.WaitForAsync(() => cluster.JoinTimes().ContainsKey(trainerHosts[0].Name), options.FirstTrainerTimeout, cancel);
        }
        catch
        {
            cluster.Dispose(); // the processes go with the bed
            throw;
        }
        trainers.AddRange(trainerHosts.Skip(1).Select(h => Start(h, TrainerRole, trainerArgs)));
        return cluster;
    }

    /// <summary>The newest step seen in metrics.jsonl (0 before the first).</summary>
    public long LastStep => Metrics.Rows.LastOrDefault() is { } row ? (long)row["step"]! : 0;

    /// <summary>The coordinator wrote run_complete.</summary>
    public bool IsComplete => Events.Rows.Any(e => (string?)e["kind"] == EventKind.RunComplete);

    /// <summary>
    /// A node selector: a node's name, or "oldest-trainer": the trainer whose current incarnation registered first
    /// (its latest member_joined is the oldest), which is the oldest trainer member as the split-brain resolver sees
    /// it as long as registration follows joining the cluster.
    /// </summary>
    public BedNode? Resolve(string selector)
    {
        if (selector != PlannedFault.OldestTrainer) return Nodes.FirstOrDefault(n => n.Name == selector);
        var joined = JoinTimes();
        return Trainers.Where(t => t.Process.Pid != null && joined.ContainsKey(t.Name)).MinBy(t => joined[t.Name]) ?? Trainers[0];
    }

    /// <summary>Per trainer host, the time of its latest member_joined event.</summary>
    Dictionary<string, DateTimeOffset> JoinTimes()
    {
        var joined = new Dictionary<string, DateTimeOffset>();
        foreach (var e in Events.Rows.Where(e => (string?)e["kind"] == EventKind.MemberJoined))
            if (RunEvents.TrainerHost(e) is { } host) joined[host] = RunEvents.Time(e);
        return joined;
    }

    /// <summary>
    /// Healed: every node's process runs, the newest world has every trainer, and a step completed after
    /// <paramref name="since"/> and after that world formed.
    /// </summary>
    public bool IsHealthy(DateTimeOffset since)
    {
        if (Nodes.Any(n => n.Process.Pid == null)) return false;
        var world = Events.Rows.LastOrDefault(e => (string?)e["kind"] == EventKind.WorldFormed);
        if (world == null) return false;
        var members = RunEvents.MemberHosts(world);
        if (Trainers.Any(t => !members.Contains(t.Name))) return false;
        var after = RunEvents.Time(world) > since ? RunEvents.Time(world) : since;
        return Metrics.Rows.LastOrDefault() is { } row && RunEvents.RowTime(row) > after;
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms; false when <paramref name="limit"/> passed first.</summary>
    public async Task<bool> WaitForAsync(Func<bool> condition, TimeSpan limit, CancellationToken cancel)
    {
        var deadline = DateTimeOffset.UtcNow + limit;
        while (!condition())
        {
            if (DateTimeOffset.UtcNow >= deadline) return false;
            await Task.Delay(100, cancel);
        }
        return true;
    }

    /// <summary>Waits for the run to end (run_complete, and the coordinator's process done); false after the limit.</summary>
    public async Task<bool> WaitForEndAsync(TimeSpan limit, CancellationToken cancel) =>
        await WaitForAsync(() => IsComplete && Coordinator.Process.Finished.IsCompleted, limit, cancel);

    /// <summary>Stops every node: the trainers get <paramref name="grace"/> to exit on their own after the run ended.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        await Task.WhenAny(Task.WhenAll(Nodes.Select(n => n.Process.Finished)), Task.Delay(grace));
        await Task.WhenAll(Nodes.Select(n => n.Process.StopAsync(TimeSpan.FromSeconds(10))));
        Metrics.Poll();
        Events.Poll();
    }

    public void Dispose()
    {
        Metrics.Dispose();
        Events.Dispose();
    }

    /// <summary>The dotnet host that runs gancluster.dll (this process's, when it runs under dotnet).</summary>
    static string DotnetHost() =>
        Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
        : Shell.Which("dotnet") ?? throw new BedException("dotnet is not on PATH");
}
