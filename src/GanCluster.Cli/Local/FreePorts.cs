using System.Net;
using System.Net.Sockets;

namespace GanCluster.Cli.Local;

public static class FreePorts
{
    /// <summary>A TCP port that is free on loopback right now.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
