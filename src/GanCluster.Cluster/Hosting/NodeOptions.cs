using GanCluster.Core.Membership;

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

    /// <summary>Failure detection, downing and every other control-plane timeout (docs/fault-tolerance.md).</summary>
    public ClusterTimings Timing { get; init; } = ClusterTimings.Default;

    /// <summary>
    /// The coordinator of a fresh run (or one started with --resume) may form a new cluster when no seed answers. A
    /// coordinator that replaces one of a running run (the run directory's fence exists) only joins the running
    /// cluster, for <see cref="ClusterTimings.RejoinBeforeNewCluster"/>, so that a coordinator restarted during a
    /// partition never forms an island of its own; after that it may start one (everything else is gone too). Trainers
    /// never form a cluster: they join one.
    /// </summary>
    public bool MayFormCluster { get; init; }

    /// <summary>
    /// The run's secret: every control message this node sends is sealed with a key derived from it, and every one it
    /// receives must be (docs/security.md). The same on every node of the run.
    /// </summary>
    public required GanCluster.Collective.RunToken Token { get; init; }

    /// <summary>TLS on Akka remoting with a cluster certificate (null: plaintext, the default). docs/security.md.</summary>
    public RemotingTls? Tls { get; init; }

    public static string Address(string host, int port) => $"akka.tcp://{SystemName}@{host}:{port}";

    /// <summary>
    /// The seeds this node joins through, in the order Akka reads them: a node listed first forms a new cluster when no
    /// other seed answers, so only a coordinator that <see cref="MayFormCluster"/> leads its list; every other node
    /// leaves itself out and only joins.
    /// </summary>
    public IReadOnlyList<string> JoinOrder(string self, bool mayFormNow)
    {
        var others = SeedNodes.Select(s => ForTransport(s, Tls != null)).Where(s => s != self).Distinct().ToList();
        // A coordinator that knows no other node (a run seeded by its address alone) can only form the cluster itself.
        return Role == CoordinatorRole && (mayFormNow || others.Count == 0) ? [self, .. others] : others;
    }

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

