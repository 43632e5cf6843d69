// One rank of a data-plane test world. Protocol with the test (stdin/stdout lines):
//   worker prints  "PORT <port>"            after binding its listener on 127.0.0.1:0
//   test writes    "<ep0>,<ep1>,..."        the world's endpoints, by rank
//   worker prints  "DONE" and exits 0, or "ABORTED <reason> <peer> <refusal>" and exits 3.
// The results (raw bytes of every bucket after the operation) go to --out.
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using GanCluster.Collective;
using GanCluster.Collective.TestWorker;

var opts = new Dictionary<string, string>();
for (int i = 0; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
string Opt(string name, string fallback) => opts.TryGetValue(name, out var v) ? v : fallback;

int rank = int.Parse(Opt("rank", "0"), CultureInfo.InvariantCulture);
long epoch = long.Parse(Opt("epoch", "1"), CultureInfo.InvariantCulture);
var token = RunToken.Parse(Opt("token", new string('a', 64)));
string mode = Opt("mode", "allreduce");
string output = Opt("out", $"rank{rank}.bin");
var options = new RingOptions
{
    Wire = Opt("wire", "fp32") switch { "bf16" => WireFormat.BFloat16, "fp16" => WireFormat.Float16, _ => WireFormat.Float32 },
    Bidirectional = Opt("bidirectional", "true") == "true",
    ChunkBytes = int.Parse(Opt("chunk-bytes", (64 * 1024).ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
    OperationTimeout = TimeSpan.FromMilliseconds(int.Parse(Opt("timeout-ms", "60000"), CultureInfo.InvariantCulture)),
    ConnectTimeout = TimeSpan.FromMilliseconds(int.Parse(Opt("connect-timeout-ms", "30000"), CultureInfo.InvariantCulture)),
    SharedMemory = Opt("shm", "true") == "true",
};

using var listener = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
Console.WriteLine($"PORT {listener.Port}");
var line = Console.ReadLine() ?? throw new InvalidOperationException("no endpoints on stdin");
var world = new WorldDescriptor(epoch, token, line.Trim().Split(','));

try
{
    switch (mode)
    {
        case "allreduce":
        {
            // Every bucket is all-reduced twice from the same inputs: the two results must be the same bits.
            var counts = Opt("counts", "1,7,1000").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            using var ring = await RingCollective.ConnectAsync(world, rank, listener, options);
            Console.WriteLine($"TRANSPORT {ring.Transport}");
            using var file = File.Create(output);
            for (int b = 0; b < counts.Length; b++)
            {
                var first = TestData.Bucket(rank, b, counts[b]);
                ring.AllReduceSum(first);
                var second = TestData.Bucket(rank, b, counts[b]);
                ring.AllReduceSum(second);
                if (!MemoryMarshal.AsBytes(first.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(second.AsSpan())))
                    throw new InvalidOperationException($"bucket {b}: two all-reduces of the same input differ");
                file.Write(MemoryMarshal.AsBytes(first.AsSpan()));
            }
            Console.WriteLine($"STATS {ring.Stats}");
            break;
        }
        case "broadcast":
        {
            int count = int.Parse(Opt("count", "1000"), CultureInfo.InvariantCulture);
            int root = int.Parse(Opt("root", "0"), CultureInfo.InvariantCulture);
            using var ring = await RingCollective.ConnectAsync(world, rank, listener, options);
            var data = rank == root ? TestData.Bytes(root + 17, count) : new byte[count];
            ring.Broadcast(data, root);
            File.WriteAllBytes(output, data);
            break;
        }
        case "transfer":
        {
            // Rank 0 streams --count bytes to every other rank in turn (tag = receiver), as a healer would.
            int count = int.Parse(Opt("count", "1000"), CultureInfo.InvariantCulture);
            if (rank == 0)
            {
                for (int to = 1; to < world.Size; to++)
                    await PeerTransfer.SendAsync(world, 0, to, TestData.Bytes(99, count), tag: to, options, listener.Stats);
                File.WriteAllBytes(output, []);
            }
            else
            {
                var bytes = await PeerTransfer.ReceiveBytesAsync(world, rank, 0, listener, tag: rank, options);
                File.WriteAllBytes(output, bytes);
            }
            break;
        }
        case "loop":
        {
            // All-reduce until something breaks; rank --victim stops after --victim-ops operations, says VICTIM_READY and
            // hangs (the test kills it, or leaves it hanging to exercise the timeout).
            int victim = int.Parse(Opt("victim", "-1"), CultureInfo.InvariantCulture);
            int victimOps = int.Parse(Opt("victim-ops", "3"), CultureInfo.InvariantCulture);
            using var ring = await RingCollective.ConnectAsync(world, rank, listener, options);
            Console.WriteLine($"TRANSPORT {ring.Transport}");
            var data = TestData.Bucket(rank, 0, 100_000);
            for (int op = 0; op < 100_000; op++)
            {
                if (rank == victim && op == victimOps)
                {
                    Console.WriteLine("VICTIM_READY");
                    Thread.Sleep(Timeout.Infinite);
                }
                ring.AllReduceSum(data);
                for (int i = 0; i < data.Length; i++) data[i] *= 0.25f;
            }
            break;
        }
        case "steps":
        {
            // Training-like: --ops all-reduces, --pause-ms apart (the compute between steps), then DONE.
            int ops = int.Parse(Opt("ops", "100"), CultureInfo.InvariantCulture);
            int pauseMs = int.Parse(Opt("pause-ms", "100"), CultureInfo.InvariantCulture);
            using var ring = await RingCollective.ConnectAsync(world, rank, listener, options);
            Console.WriteLine($"TRANSPORT {ring.Transport}");
            var data = TestData.Bucket(rank, 0, 10_000);
            for (int op = 0; op < ops; op++)
            {
                ring.AllReduceSum(data);
                for (int i = 0; i < data.Length; i++) data[i] *= 0.5f;
                Thread.Sleep(pauseMs);
            }
            Console.WriteLine($"STEPS {ops}");
            break;
        }
        default:
            Console.Error.WriteLine($"unknown mode {mode}");
            return 2;
    }
}
catch (CollectiveAbortedException e)
{
    Console.WriteLine($"ABORTED {e.Reason} {(e.PeerRank is { } p ? p.ToString(CultureInfo.InvariantCulture) : "-")} {e.Refusal}");
    Console.Error.WriteLine(e);
    // Keep the listener up a while, so a peer that is still connecting meets our refusal rather than a closed port,
    // and count what it refused in that time.
    Thread.Sleep(int.Parse(Opt("linger-ms", "200"), CultureInfo.InvariantCulture));
    Console.WriteLine($"REFUSED {string.Join(' ', Enum.GetValues<RefusalReason>().Select(r => $"{r}={listener.Stats.RefusedConnections(r)}"))}");
    return 3;
}
Console.WriteLine($"REFUSED {string.Join(' ', Enum.GetValues<RefusalReason>().Select(r => $"{r}={listener.Stats.RefusedConnections(r)}"))}");
Console.WriteLine("DONE");
return 0;
