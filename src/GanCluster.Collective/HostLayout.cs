using System.Net;

namespace GanCluster.Collective;

/// <summary>
/// Which ranks of a world share a host, derived from the world's data-plane endpoints alone (so every rank derives the
/// same layout from the same descriptor): ranks whose endpoints name the same host are one host's local ranks, hosts in
/// the order of their first rank, local ranks in rank order. The coordinator's planner makes each host's ranks
/// consecutive, but nothing here depends on it.
/// </summary>
public sealed class HostLayout
{
    readonly int[] _host;
    readonly int[] _local;

    HostLayout(IReadOnlyList<IReadOnlyList<int>> hosts, int size)
    {
        Hosts = hosts;
        _host = new int[size];
        _local = new int[size];
        for (int h = 0; h < hosts.Count; h++)
            for (int j = 0; j < hosts[h].Count; j++)
                (_host[hosts[h][j]], _local[hosts[h][j]]) = (h, j);
    }

    public static HostLayout Of(WorldDescriptor world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var byHost = new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase);
        var order = new List<List<int>>();
        for (int rank = 0; rank < world.Size; rank++)
        {
            var key = HostOf(world.EndPointOf(rank));
            if (!byHost.TryGetValue(key, out var ranks))
            {
                byHost[key] = ranks = [];
                order.Add(ranks);
            }
            ranks.Add(rank);
        }
        return new HostLayout(order.Select(r => (IReadOnlyList<int>)r.ToArray()).ToArray(), world.Size);
    }

    /// <summary>The host part of an endpoint, as the layout compares it (an address's canonical text, or the DNS name).</summary>
    public static string HostOf(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint ip => ip.Address.ToString(),
        DnsEndPoint dns => dns.Host,
        _ => endPoint.ToString() ?? "",
    };

    /// <summary>Each host's ranks (global ranks, ascending), hosts in the order of their first rank.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Hosts { get; }

    /// <summary>H: how many hosts the world spans.</summary>
    public int HostCount => Hosts.Count;

    /// <summary>True when every host has the same number of ranks (the hierarchical schedule needs it).</summary>
    public bool IsUniform => Hosts.All(h => h.Count == Hosts[0].Count);

    /// <summary>L: ranks on every host when <see cref="IsUniform"/>; otherwise the most on any host.</summary>
    public int RanksPerHost => Hosts.Max(h => h.Count);

    /// <summary>The index (0..H-1) of <paramref name="rank"/>'s host.</summary>
    public int HostIndexOf(int rank) => _host[rank];

    /// <summary>The position (0..L-1) of <paramref name="rank"/> among its host's ranks.</summary>
    public int LocalIndexOf(int rank) => _local[rank];

    public override string ToString() => $"{HostCount} host(s) x {(IsUniform ? RanksPerHost.ToString() : "uneven")} rank(s)";
}
