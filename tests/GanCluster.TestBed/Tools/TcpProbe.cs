using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace GanCluster.TestBed.Tools;

/// <summary>
/// Tiny TCP tools to run on bed hosts (`GanCluster.Bed probe-listen` / `probe-connect`): a listener that answers
/// every connection with its hostname, and a connect that says what happened (reply, timeout, refused). Tests of the
/// bed use them to see which host reaches which, on which port.
/// </summary>
public static class TcpProbe
{
    public const string ListenCommand = "probe-listen";
    public const string ConnectCommand = "probe-connect";

    /// <summary>probe-listen PORT[,PORT...]: prints "listening" once every port is bound, then serves until killed.</summary>
    public static int Listen(string[] args)
    {
        var ports = args[0].Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
        var listeners = ports.Select(p =>
        {
            var l = new TcpListener(IPAddress.Any, p);
            l.Start();
            return l;
        }).ToList();
        Console.WriteLine("listening");
        var reply = System.Text.Encoding.ASCII.GetBytes(Environment.MachineName + "\n");
        Task.WaitAll(listeners.Select(async l =>
        {
            while (true)
            {
                using var client = await l.AcceptTcpClientAsync();
                try { await client.GetStream().WriteAsync(reply); }
                catch (IOException) { }
            }
        }).ToArray());
        return 0;
    }

    /// <summary>probe-connect ADDRESS PORT [TIMEOUT_MS]: prints "reply HOSTNAME", "timeout", "refused" or "error MESSAGE".</summary>
    public static int Connect(string[] args)
    {
        var address = IPAddress.Parse(args[0]);
        int port = int.Parse(args[1], CultureInfo.InvariantCulture);
        int timeoutMs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1500;
        Console.WriteLine(Probe(address, port, TimeSpan.FromMilliseconds(timeoutMs)));
        return 0;
    }

    static string Probe(IPAddress address, int port, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var client = new TcpClient();
        try
        {
            client.ConnectAsync(address, port, cancel.Token).AsTask().GetAwaiter().GetResult();
            using var reader = new StreamReader(client.GetStream());
            var line = reader.ReadLineAsync(cancel.Token).AsTask().GetAwaiter().GetResult();
            return $"reply {line}";
        }
        catch (OperationCanceledException) { return "timeout"; }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused) { return "refused"; }
        catch (Exception e) when (e is SocketException or IOException) { return $"error {e.Message}"; }
    }
}
