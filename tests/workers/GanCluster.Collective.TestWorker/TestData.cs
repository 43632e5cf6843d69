using GanCluster.Core.Data;

namespace GanCluster.Collective.TestWorker;

/// <summary>The deterministic inputs every test rank fills its buckets with (shared with the tests' expectations).</summary>
public static class TestData
{
    /// <summary>Value of element <paramref name="i"/> of bucket <paramref name="bucket"/> on <paramref name="rank"/>: uniform in [-1, 1).</summary>
    public static float Value(int rank, int bucket, int i) =>
        (float)(new SplitMix64(SplitMix64.Mix((ulong)rank * 1_000_003UL + (ulong)bucket, (ulong)i)).NextDouble() * 2 - 1);

    public static float[] Bucket(int rank, int bucket, int count)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = Value(rank, bucket, i);
        return data;
    }

    /// <summary>Byte pattern for broadcasts and transfers.</summary>
    public static byte Pattern(int seed, int i) => (byte)(SplitMix64.Mix((ulong)seed, (ulong)i) >> 56);

    public static byte[] Bytes(int seed, int count)
    {
        var data = new byte[count];
        for (int i = 0; i < count; i++) data[i] = Pattern(seed, i);
        return data;
    }
}
