using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace GanCluster.Bench;

/// <summary>
/// `tcp-ring-worker`: one rank of the raw TCP bound between bed hosts, the cross-host twin of <see cref="LoopbackBound"/>:
/// it connects to the next host and accepts the previous one, then per iteration sends <c>--bytes</c> to the next
/// while receiving as much from the previous, all at once, in 1 MiB writes (with --duplex, half of it each way on
/// both sockets: the bidirectional ring's pattern). Between iterations a one-byte token goes round the ring, so
/// every rank starts together. Prints "TIMES ms,ms,...".
/// </summary>
internal static class HostTcpBound
{
    public const string Command = "tcp-ring-worker";

    public static int Run(string[] args)
    {
        var o = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2) o[args[i].TrimStart('-')] = args[i + 1];
        int rank = int.Parse(o["rank"], CultureInfo.InvariantCulture);
        long volume = long.Parse(o["bytes"], CultureInfo.InvariantCulture);
        int iters = int.Parse(o["iters"], CultureInfo.InvariantCulture), warmup = int.Parse(o["warmup"], CultureInfo.InvariantCulture);
        bool duplex = o["duplex"] == "true";
        var bind = new IPEndPoint(IPAddress.Parse(o["bind"]), int.Parse(o["port"], CultureInfo.InvariantCulture));
        var next = IPEndPoint.Parse(o["next"]);

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(bind);
        listener.Listen(1);
        var accept = listener.AcceptAsync();
        using var outgoing = ConnectWithRetry(next);
        using var incoming = accept.GetAwaiter().GetResult();
        outgoing.NoDelay = incoming.NoDelay = true;

        const int chunk = 1 << 20;
        var buffers = Enumerable.Range(0, 4).Select(_ => GC.AllocateUninitializedArray<byte>((int)Math.Max(volume, 2 * chunk), pinned: true)).ToArray();
        var token = new byte[1];
        var times = new List<double>();
        for (int it = 0; it < warmup + iters; it++)
        {
            // A token twice round the ring: after the first round rank 0 knows that everyone arrived, after the second
            // everyone knows.
            for (int round = 0; round < 2; round++)
            {
                if (rank == 0) { outgoing.Send(token); ReceiveToken(incoming, token); }
                else { ReceiveToken(incoming, token); outgoing.Send(token); }
            }
            long each = duplex ? volume / 2 : volume;
            long t0 = Stopwatch.GetTimestamp();
            var moves = new List<Thread>
            {
                new(() => Move(outgoing, true, buffers[0], each, chunk)),
                new(() => Move(incoming, false, buffers[1], each, chunk)),
            };
            if (duplex)
            {
                moves.Add(new Thread(() => Move(incoming, true, buffers[2], each, chunk)));
                moves.Add(new Thread(() => Move(outgoing, false, buffers[3], each, chunk)));
            }
            foreach (var t in moves) t.Start();
            foreach (var t in moves) t.Join();
            if (it >= warmup) times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        Console.WriteLine("TIMES " + string.Join(',', times.Select(t => t.ToString("F3", CultureInfo.InvariantCulture))));
        return 0;
    }

    static void ReceiveToken(Socket s, byte[] token)
    {
        if (s.Receive(token) != 1) throw new IOException("the ring closed");
    }

    static void Move(Socket s, bool send, byte[] buf, long each, int chunk)
    {
        // Walk a buffer as large as the data, as the all-reduce does (a small cache-hot buffer would flatter TCP).
        for (long done = 0; done < each;)
        {
            int len = (int)Math.Min(chunk, each - done), at = (int)(done % (buf.Length - chunk + 1));
            done += send ? s.Send(buf, at, len, SocketFlags.None) : s.Receive(buf, at, len, SocketFlags.None);
        }
    }

    static Socket ConnectWithRetry(IPEndPoint to)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                s.Connect(to);
                return s;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                s.Dispose();
                Thread.Sleep(100);
            }
        }
    }
}
