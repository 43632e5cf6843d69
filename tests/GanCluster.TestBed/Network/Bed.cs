using System.Globalization;
using System.Net;
using GanCluster.TestBed.Processes;

namespace GanCluster.TestBed.Network;

/// <summary>
/// A multi-host test bed on one Linux machine: hosts (<see cref="BedHost"/>) joined by a bridge that lives in a
/// "switch" namespace of its own, so nothing is added to this machine's own network. Addresses come from
/// 198.18.0.0/15 only (RFC 2544's benchmarking range). Namespaces carry the owner's pid and start time
/// (<see cref="BedNames"/>), so concurrent beds never collide and <see cref="SweepStale"/> can remove what a dead
/// owner left behind. <see cref="Dispose"/> kills every process of every host and removes every namespace; it also
/// runs at process exit for beds not disposed. Needs root (<see cref="BedTools.Find"/>).
/// </summary>
public sealed class Bed : IDisposable
{
    internal const string Bridge = "br0";
    internal const int PrefixLength = 15;
    const uint FirstAddress = 198u << 24 | 18u << 16; // 198.18.0.0

    static readonly Lock Live = new();
    static readonly HashSet<Bed> LiveBeds = [];
    readonly Lock _lock = new();
    readonly List<BedHost> _hosts = [];
    bool _disposed;

    static Bed() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        List<Bed> beds;
        lock (Live) beds = [.. LiveBeds];
        foreach (var bed in beds) bed.Dispose();
    };

    Bed(BedTools tools, TestBedOptions options)
    {
        Tools = tools;
        Options = options;
        Prefix = BedNames.NewBedPrefix();
        SwitchNamespace = Prefix + "switch";
        LogDirectory = options.LogDirectory ?? Directory.CreateTempSubdirectory("gcbed-").FullName;
        Directory.CreateDirectory(LogDirectory);
        Supervisors = new SupervisorLog(Path.Combine(LogDirectory, "supervisor.jsonl"));
    }

    public BedTools Tools { get; }

    public TestBedOptions Options { get; }

    /// <summary>Every namespace of this bed starts with it.</summary>
    public string Prefix { get; }

    public string SwitchNamespace { get; }

    public string LogDirectory { get; }

    /// <summary>Every start, exit and stop of every process on the bed.</summary>
    public SupervisorLog Supervisors { get; }

    public IReadOnlyList<BedHost> Hosts
    {
        get { lock (_lock) return [.. _hosts]; }
    }

    public BedHost this[string name] => Hosts.FirstOrDefault(h => h.Name == name) ?? throw new KeyNotFoundException($"no host {name} on the bed");

    /// <summary>Null when a bed can run here; else why not (one line, for a skipped test or a refused command).</summary>
    public static string? Unavailable => BedTools.Find().Unavailable;

    /// <summary>Sweeps namespaces left by dead owners, then creates the switch.</summary>
    public static Bed Create(TestBedOptions? options = null)
    {
        var (tools, unavailable) = BedTools.Find();
        if (tools == null) throw new BedException(unavailable!);
        SweepStale();
        var bed = new Bed(tools, options ?? new TestBedOptions());
        lock (Live) LiveBeds.Add(bed);
        try
        {
            Shell.Run(tools.Ip, "netns", "add", bed.SwitchNamespace);
            Shell.Run(tools.Ip, "-n", bed.SwitchNamespace, "link", "set", "lo", "up");
            Shell.Run(tools.Ip, "-n", bed.SwitchNamespace, "link", "add", Bridge, "type", "bridge", "forward_delay", "0");
            Shell.Run(tools.Ip, "-n", bed.SwitchNamespace, "link", "set", Bridge, "up");
        }
        catch
        {
            bed.Dispose();
            throw;
        }
        return bed;
    }

    /// <summary>Adds a host named <paramref name="name"/> (its hostname; a DNS label) with the next free address.</summary>
    public BedHost AddHost(string name, HostOptions? options = null)
    {
        if (!BedNames.IsValidHostName(name))
            throw new ArgumentException($"host name '{name}': expected a DNS label (lower-case letters, digits, '-'; at most 40 characters)");
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_hosts.Any(h => h.Name == name)) throw new ArgumentException($"the bed already has a host named {name}");
            int index = _hosts.Count;
            if (index >= 100_000) throw new BedException("at most 100000 hosts per bed");
            var address = new IPAddress(IPAddress.HostToNetworkOrder((int)(FirstAddress + (uint)index + 1)));
            var host = new BedHost(this, name, index, address, options ?? new HostOptions());
            _hosts.Add(host);
            return host;
        }
    }

    /// <summary>Kills every process on the bed and removes every namespace. Safe to call twice.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        var errors = new List<string>();
        foreach (var host in Hosts)
        {
            try { host.KillAll(); }
            catch (Exception e) { errors.Add(e.Message); }
        }
        // Wait (briefly) for the supervisors to see their processes go, so their logs are complete.
        Task.WhenAll(Hosts.SelectMany(h => h.Processes).Select(p => p.Finished)).Wait(TimeSpan.FromSeconds(10));
        foreach (var ns in OwnNamespaces())
        {
            KillNamespaceProcesses(Tools.Ip, ns); // also those of a host whose creation failed half-way
            var r = Shell.TryRun(Tools.Ip, ["netns", "del", ns]);
            if (!r.Ok) errors.Add($"ip netns del {ns}: {r.Stderr.Trim()}");
        }
        lock (Live) LiveBeds.Remove(this);
        if (errors.Count > 0) Console.Error.WriteLine($"test bed {Prefix}: cleanup problems: {string.Join("; ", errors)}");
    }

    /// <summary>This bed's namespaces that exist now (a test checks that Dispose leaves none).</summary>
    public IReadOnlyList<string> OwnNamespaces() => ListNamespaces(Tools.Ip).Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).ToList();

    /// <summary>Removes the namespaces (and kills the processes in them) of beds whose owner process is gone.</summary>
    public static IReadOnlyList<string> SweepStale()
    {
        var (tools, _) = BedTools.Find();
        if (tools == null) return [];
        var stale = ListNamespaces(tools.Ip).Where(BedNames.IsStale).ToList();
        foreach (var ns in stale)
        {
            KillNamespaceProcesses(tools.Ip, ns);
            Shell.TryRun(tools.Ip, ["netns", "del", ns]);
        }
        return stale;
    }

    /// <summary>Every named network namespace on this machine (`ip netns list` prints "name (id: N)").</summary>
    public static IReadOnlyList<string> ListNamespaces(string ip) =>
        Shell.TryRun(ip, ["netns", "list"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0]).ToList();

    internal static void KillNamespaceProcesses(string ip, string ns)
    {
        foreach (var pid in Shell.TryRun(ip, ["netns", "pids", ns]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int p)) PosixSignal.Send(p, PosixSignal.Kill);
    }
}
