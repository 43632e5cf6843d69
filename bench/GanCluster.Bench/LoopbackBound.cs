using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GanCluster.Bench;

/// <summary>
/// The data-movement bound of an all-reduce on this host: n endpoints in a ring of loopback TCP connections, each
/// sending 2(n-1)/n·S bytes to its successor while receiving as much from its predecessor, all at once, in
/// 1 MiB writes, no reduction, no protocol. With <c>duplex</c> every connection carries half of that each way
/// (the bidirectional ring's pattern). An all-reduce cannot beat the faster of the two on the same sockets.
/// </summary>
internal static class LoopbackBound
{
    public static List<double> Measure(int n, long payloadBytes, int iters, int warmup, bool duplex)
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
        var buffers = Enumerable.Range(0, 4 * n).Select(_ => GC.AllocateUninitializedArray<byte>((int)Math.Max(volume, 2 * chunk), pinned: true)).ToArray();
        for (int it = 0; it < warmup + iters; it++)
        {
            int streams = duplex ? 2 : 1;
            long each = volume / streams;
            using var start = new Barrier(2 * n * streams + 1);
            var threads = new List<Thread>();
            void Pump(Socket s, bool send)
            {
                // Walk a buffer as large as the data, as the all-reduce does (a small cache-hot buffer would flatter TCP).
                var buf = buffers[threads.Count % buffers.Length];
                threads.Add(new Thread(() => Move(s, send, buf)));
            }
            void Move(Socket s, bool send, byte[] buf)
            {
                start.SignalAndWait();
                for (long done = 0; done < each;)
                {
                    int len = (int)Math.Min(chunk, each - done), at = (int)(done % (buf.Length - chunk + 1));
                    done += send ? s.Send(buf, at, len, SocketFlags.None) : s.Receive(buf, at, len, SocketFlags.None);
                }
            }
            for (int r = 0; r < n; r++)
            {
                Pump(outgoing[r], true);
                Pump(incoming[(r + 1) % n], false);
                if (duplex)
                {
                    Pump(incoming[(r + 1) % n], true);
                    Pump(outgoing[r], false);
                }
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
