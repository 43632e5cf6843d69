using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GanCluster.Bench;

/// <summary>
/// The data-movement bound of an all-reduce on this host: n endpoints in a ring of loopback TCP connections, each
/// sending 2(n-1)/n·S bytes to its successor while receiving as much from its predecessor, all at once, in
/// 1 MiB writes, no reduction, no protocol. An all-reduce cannot beat this on the same sockets.
/// </summary>
internal static class LoopbackBound
{
    public static List<double> Measure(int n, long payloadBytes, int iters, int warmup)
    {
        long volume = 2 * (n - 1) * payloadBytes / n;
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(n);
        var outgoing = new Socket[n];
        var incoming = new Socket[n];
        for (int r = 0; r < n; r++)
        {
            outgoing[r] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            outgoing[r].Connect(listener.LocalEndPoint!);
            incoming[(r + 1) % n] = listener.Accept();
            incoming[(r + 1) % n].NoDelay = true;
        }
        var times = new List<double>();
        const int chunk = 1 << 20;
        for (int it = 0; it < warmup + iters; it++)
        {
            using var start = new Barrier(2 * n + 1);
            var threads = new List<Thread>();
            for (int r = 0; r < n; r++)
            {
                var s = outgoing[r];
                var d = incoming[r];
                threads.Add(new Thread(() =>
                {
                    var buf = new byte[chunk];
                    start.SignalAndWait();
                    for (long left = volume; left > 0;) left -= s.Send(buf, 0, (int)Math.Min(chunk, left), SocketFlags.None);
                }));
                threads.Add(new Thread(() =>
                {
                    var buf = new byte[chunk];
                    start.SignalAndWait();
                    for (long left = volume; left > 0;) left -= d.Receive(buf, 0, (int)Math.Min(chunk, left), SocketFlags.None);
                }));
            }
            foreach (var t in threads) t.Start();
            start.SignalAndWait();
            long t0 = Stopwatch.GetTimestamp();
            foreach (var t in threads) t.Join();
            if (it >= warmup) times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        foreach (var s in outgoing.Concat(incoming)) s.Dispose();
        return times;
    }
}
