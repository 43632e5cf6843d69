using System.Net.Sockets;

namespace GanCluster.Cluster.DataPlane;

/// <summary>
/// The coordinator's referee check after a data-plane failure: does this trainer's data-plane port accept a TCP
/// connection from here within the timeout? A dead process refuses at once; a host cut off from the network (or a
/// data plane partitioned by port) times out; a live process answers even while it is busy (its kernel accepts).
/// The connection is closed before any byte is sent (the listener counts it as a failed handshake).
/// </summary>
public static class DataPlaneProbe
{
    public static async Task<bool> AnswersAsync(string host, int port, TimeSpan timeout)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(host, port, cts.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
