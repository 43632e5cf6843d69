using System.Net;

namespace GanCluster.Collective;

/// <summary>
/// One world of the data plane, as the cluster layer agreed on it: the epoch (fences older worlds), the run's
/// secret token, and the data-plane endpoint ("host:port") of every rank, indexed by rank. Every rank of the
/// world must be handed an equal descriptor.
/// </summary>
public sealed record WorldDescriptor
{
    public WorldDescriptor(long epoch, RunToken token, IReadOnlyList<string> endpoints)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(endpoints);
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "the world epoch is never negative");
        if (endpoints.Count == 0) throw new ArgumentException("a world has at least one rank", nameof(endpoints));
        for (int i = 0; i < endpoints.Count; i++)
            if (!TryParseEndpoint(endpoints[i], out _))
                throw new ArgumentException($"endpoints[{i}]: expected host:port, found '{endpoints[i]}'", nameof(endpoints));
        Epoch = epoch;
        Token = token;
        Endpoints = endpoints.ToArray();
    }

    public long Epoch { get; }

    public RunToken Token { get; }

    /// <summary>Data-plane endpoint of each rank ("host:port", "[v6]:port").</summary>
    public IReadOnlyList<string> Endpoints { get; }

    public int Size => Endpoints.Count;

    public EndPoint EndPointOf(int rank)
    {
        if ((uint)rank >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"world of {Size} ranks");
        TryParseEndpoint(Endpoints[rank], out var ep);
        return ep!;
    }

    public static bool TryParseEndpoint(string text, out EndPoint? endPoint)
    {
        endPoint = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        if (IPEndPoint.TryParse(text, out var ip) && ip.Port > 0 && text.Contains(':'))
        {
            endPoint = ip;
            return true;
        }
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) return false;
        if (!int.TryParse(text.AsSpan(colon + 1), out int port) || port is <= 0 or > 65535) return false;
        var host = text[..colon];
        if (host.Contains(':')) return false; // an IPv6 address needs brackets
        endPoint = new DnsEndPoint(host, port);
        return true;
    }

    public override string ToString() => $"world(epoch {Epoch}, {Size} ranks: {string.Join(", ", Endpoints)})";
}
