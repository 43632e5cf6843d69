namespace GanCluster.Cluster.Hosting;

/// <summary>How one Akka node joins the cluster. Bound from the command line (or the pod's environment on Kubernetes).</summary>
public sealed record NodeOptions
{
    public const string SystemName = "gancluster";
    public const string CoordinatorRole = "coordinator";
    public const string TrainerRole = "trainer";

    /// <summary><see cref="CoordinatorRole"/> or <see cref="TrainerRole"/>.</summary>
    public required string Role { get; init; }

    /// <summary>Address to bind Akka remoting to.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Address other nodes use to reach this one (default: <see cref="Host"/>).</summary>
    public string? PublicHost { get; init; }

    /// <summary>Akka remoting port (0: any free port).</summary>
    public int Port { get; init; }

    /// <summary>Seed node addresses (akka.tcp://gancluster@host:port). The seam for other discovery (Kubernetes) is <see cref="Discovery"/>.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    public DiscoveryMode Discovery { get; init; } = DiscoveryMode.SeedNodes;

    /// <summary>Cluster bootstrap settings when <see cref="Discovery"/> is <see cref="DiscoveryMode.Kubernetes"/>.</summary>
    public KubernetesBootstrapOptions? Kubernetes { get; init; }

    /// <summary>The coordinator's event journal (null on trainer nodes, which persist nothing).</summary>
    public JournalOptions? Journal { get; init; }

    /// <summary>Failure detection and downing, tuned for seconds rather than Akka's 45 s defaults (docs/fault-tolerance.md).</summary>
    public FailureTiming Timing { get; init; } = FailureTiming.Default;

    /// <summary>
    /// The role whose oldest member the split-brain resolver keeps (keep-oldest, down-if-alone); null: all members.
    /// The trainer role, so the coordinator's crash never weighs in the decision: counting all members, a
    /// coordinator that died while any other node looked unreachable made the healthy trainers down themselves
    /// (docs/fault-tolerance.md). Every node of a cluster must use the same value.
    /// </summary>
    public string? KeepOldestRole { get; init; } = TrainerRole;

    /// <summary>
    /// The run's secret: every control message this node sends is sealed with a key derived from it, and every one it
    /// receives must be (docs/security.md). The same on every node of the run.
    /// </summary>
    public required GanCluster.Collective.RunToken Token { get; init; }

    /// <summary>TLS on Akka remoting with a cluster certificate (null: plaintext, the default). docs/security.md.</summary>
    public RemotingTls? Tls { get; init; }

    public static string Address(string host, int port) => $"akka.tcp://{SystemName}@{host}:{port}";

    /// <summary>
    /// A seed address in the scheme this node's transport speaks: Akka.NET names the TLS transport akka.ssl.tcp, so a
    /// seed given as akka.tcp://... (as `local` and the docs write them) is rewritten for a TLS node, and vice versa.
    /// </summary>
    public static string ForTransport(string address, bool tls)
    {
        const string plain = "akka.tcp://", secure = "akka.ssl.tcp://";
        if (tls && address.StartsWith(plain, StringComparison.Ordinal)) return secure + address[plain.Length..];
        if (!tls && address.StartsWith(secure, StringComparison.Ordinal)) return plain + address[secure.Length..];
        return address;
    }
}

/// <summary>Where the coordinator's journal lives: a SQLite file (single machine) or PostgreSQL (Kubernetes).</summary>
public sealed record JournalOptions(string ConnectionString, string Provider)
{
    public const string PostgresVariable = "GANCLUSTER_JOURNAL_POSTGRES";

    public static JournalOptions Sqlite(string runDir) =>
        new($"Data Source={Path.Combine(Path.GetFullPath(runDir), "coordinator.db")}", LinqToDB.ProviderName.SQLiteMS);

    public static JournalOptions Postgres(string connectionString) => new(connectionString, LinqToDB.ProviderName.PostgreSQL15);

    /// <summary>PostgreSQL when the environment names a connection (from a Kubernetes Secret), else SQLite under the run directory.</summary>
    public static JournalOptions FromEnvironment(string runDir) =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } pg ? Postgres(pg) : Sqlite(runDir);
}

public enum DiscoveryMode
{
    /// <summary>Static seed nodes (one machine, or hand-made clusters).</summary>
    SeedNodes,

    /// <summary>Akka.Management cluster bootstrap over the Kubernetes API (no seed nodes; see <see cref="KubernetesBootstrapOptions"/>).</summary>
    Kubernetes,
}

/// <summary>Failure detector and split-brain-resolver timings.</summary>
public sealed record FailureTiming(TimeSpan HeartbeatInterval, TimeSpan AcceptableHeartbeatPause, TimeSpan StableAfter)
{
    public static readonly FailureTiming Default = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5));
}
