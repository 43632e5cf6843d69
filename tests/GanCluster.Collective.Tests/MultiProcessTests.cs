using System.Runtime.InteropServices;
using GanCluster.Collective.TestWorker;

namespace GanCluster.Collective.Tests;

/// <summary>Real processes, real sockets: each rank is a GanCluster.Collective.TestWorker.</summary>
public class MultiProcessTests
{
    const string Token = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    static readonly int[] Counts = [1, 7, 1_000_003];

    static string[] Args(params string[] extra) => ["--token", Token, "--epoch", "3", .. extra];

    [Theory]
    [InlineData(1, "fp32", "tcp")]
    [InlineData(2, "fp32", "tcp")]
    [InlineData(2, "fp32", "shm")]
    [InlineData(3, "fp32", "tcp")]
    [InlineData(3, "fp32", "shm")]
    [InlineData(4, "fp32", "shm")]
    [InlineData(3, "bf16", "tcp")]
    public void All_reduce_of_odd_sizes_over_several_buckets(int size, string wire, string transport)
    {
        using var w = new WorkerWorld(size, _ => Args("--mode", "allreduce", "--counts", string.Join(',', Counts), "--wire", wire,
            "--shm", transport == "shm" ? "true" : "false"));
        for (int r = 0; r < size; r++) Assert.True(w.WaitForExit(r) == 0, w.Describe(r));
        if (size > 1) Assert.All(Enumerable.Range(0, size), r => Assert.Contains($"TRANSPORT {transport}/{transport}", w.Stdout(r)));
        var raw = Enumerable.Range(0, size).Select(r => File.ReadAllBytes(w.OutputOf(r))).ToArray();
        for (int r = 1; r < size; r++) Assert.True(raw[0].AsSpan().SequenceEqual(raw[r]), $"rank {r}'s bytes differ from rank 0's");
        var all = MemoryMarshal.Cast<byte, float>(raw[0].AsSpan()).ToArray();
        Assert.Equal(Counts.Sum(), all.Length);
        int offset = 0;
        for (int b = 0; b < Counts.Length; b++)
        {
            Expect.SumOfInputs(all[offset..(offset + Counts[b])], size, b, wire == "fp32" ? 1e-5 : 2e-2);
            offset += Counts[b];
        }
    }

    [Fact]
    public void Broadcast_from_a_middle_rank()
    {
        const int count = 3_000_001;
        using var w = new WorkerWorld(3, _ => Args("--mode", "broadcast", "--root", "1", "--count", count.ToString()));
        for (int r = 0; r < 3; r++) Assert.True(w.WaitForExit(r) == 0, w.Describe(r));
        var expected = TestData.Bytes(1 + 17, count);
        for (int r = 0; r < 3; r++) Assert.True(expected.AsSpan().SequenceEqual(File.ReadAllBytes(w.OutputOf(r))), $"rank {r}");
    }

    [Fact]
    public void Point_to_point_transfer_to_each_rank()
    {
        const int count = 5_000_000;
        using var w = new WorkerWorld(3, _ => Args("--mode", "transfer", "--count", count.ToString()));
        for (int r = 0; r < 3; r++) Assert.True(w.WaitForExit(r) == 0, w.Describe(r));
        var expected = TestData.Bytes(99, count);
        for (int r = 1; r < 3; r++) Assert.True(expected.AsSpan().SequenceEqual(File.ReadAllBytes(w.OutputOf(r))), $"rank {r}");
    }

    [Fact]
    public void A_rank_with_the_wrong_token_is_refused()
    {
        var wrong = new string('7', 64);
        using var w = new WorkerWorld(2, r => r == 1
            ? ["--token", wrong, "--epoch", "3", "--mode", "allreduce", "--connect-timeout-ms", "10000", "--linger-ms", "3000"]
            : Args("--mode", "allreduce", "--connect-timeout-ms", "10000", "--linger-ms", "3000"));
        Assert.Equal(3, w.WaitForExit(0));
        Assert.Equal(3, w.WaitForExit(1));
        // Each side refused the other's token: the one that connected saw the refusal, the listener counted it.
        Assert.Contains("ABORTED Refused 0 BadToken", w.Stdout(1));
        Assert.Contains("ABORTED Refused 1 BadToken", w.Stdout(0));
        Assert.Contains("BadToken=1", w.Stdout(0));
        Assert.Contains("BadToken=1", w.Stdout(1));
    }

    [Fact]
    public void A_rank_from_an_older_epoch_is_fenced()
    {
        using var w = new WorkerWorld(2, r => ["--token", Token, "--epoch", r == 1 ? "2" : "3", "--mode", "allreduce",
            "--connect-timeout-ms", "5000", "--linger-ms", "3000"]);
        Assert.Equal(3, w.WaitForExit(1));
        Assert.Contains("ABORTED Refused 0 StaleEpoch", w.Stdout(1));
        Assert.Equal(3, w.WaitForExit(0)); // its peer never joined epoch 3
        Assert.Contains("StaleEpoch=1", w.Stdout(0));
    }

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    public void A_killed_peer_makes_the_others_abort_instead_of_hanging(string sharedMemory)
    {
        // Long operation timeout: the abort must come from the dead connections, not from the clock.
        using var w = new WorkerWorld(3, _ => Args("--mode", "loop", "--victim", "2", "--victim-ops", "3", "--timeout-ms", "100000",
            "--shm", sharedMemory));
        w.WaitForLine(2, "VICTIM_READY");
        w.Kill(2);
        for (int r = 0; r < 2; r++)
        {
            Assert.Equal(3, w.WaitForExit(r));
            Assert.Contains("ABORTED PeerLost", w.Stdout(r));
        }
    }

    [Fact]
    public void A_hung_peer_makes_the_others_time_out()
    {
        using var w = new WorkerWorld(3, _ => Args("--mode", "loop", "--victim", "1", "--victim-ops", "2", "--timeout-ms", "3000"));
        w.WaitForLine(1, "VICTIM_READY");
        var outs = new List<string>();
        foreach (int r in new[] { 0, 2 })
        {
            Assert.Equal(3, w.WaitForExit(r));
            outs.Add(w.Stdout(r));
        }
        // Both neighbours of the hung rank abort; at least one by its own clock (the other may see that abort first).
        Assert.Contains(outs, o => o.Contains("ABORTED Timeout"));
        Assert.All(outs, o => Assert.Matches("ABORTED (Timeout|PeerLost)", o));
    }
}
