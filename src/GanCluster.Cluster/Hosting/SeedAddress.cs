using System.Globalization;

namespace GanCluster.Cluster.Hosting;

/// <summary>
/// A seed node as users write it: host:port (as torchrun's --rdzv-endpoint and every other tool spell an address),
/// or Akka's own URI akka.tcp://gancluster@host:port (akka.ssl.tcp:// too). Akka needs the URI: host:port becomes one.
/// </summary>
public static class SeedAddress
{
    /// <summary>The Akka address of <paramref name="text"/>, or null when it is neither form.</summary>
    public static string? ToAkka(string text)
    {
        text = text.Trim();
        foreach (var scheme in new[] { "akka.tcp://", "akka.ssl.tcp://" })
            if (text.StartsWith(scheme, StringComparison.Ordinal))
                return text.StartsWith($"{scheme}{NodeOptions.SystemName}@", StringComparison.Ordinal) && HostPort(text[(scheme.Length + NodeOptions.SystemName.Length + 1)..]) != null
                    ? text : null;
        return HostPort(text) is var (host, port) ? NodeOptions.Address(host, port) : null;
    }

    /// <summary>host:port with a port from 1 to 65535; an IPv6 host is written in brackets ([::1]:4053).</summary>
    static (string Host, int Port)? HostPort(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) return null;
        string host = text[..colon];
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535) return null;
        bool bracketed = host.StartsWith('[') && host.EndsWith(']') && host.Length > 2;
        if (!bracketed && (host.Contains(':') || host.Contains('/') || host.Contains('@') || host.Any(char.IsWhiteSpace))) return null;
        return (host, port);
    }
}
