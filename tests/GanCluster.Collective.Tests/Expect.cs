using System.Runtime.InteropServices;
using GanCluster.Collective.TestWorker;

namespace GanCluster.Collective.Tests;

internal static class Expect
{
    /// <summary>Every rank holds the same bits.</summary>
    public static void IdenticalBits(IReadOnlyList<float[]> results)
    {
        for (int r = 1; r < results.Count; r++)
            Assert.True(MemoryMarshal.AsBytes(results[0].AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(results[r].AsSpan())),
                $"rank {r} differs from rank 0");
    }

    /// <summary>The result matches a straightforward (double precision) sum of every rank's input.</summary>
    public static void SumOfInputs(float[] result, int worldSize, int bucket, double relTolerance = 1e-5)
    {
        for (int i = 0; i < result.Length; i++)
        {
            double sum = 0, magnitude = 0;
            for (int r = 0; r < worldSize; r++)
            {
                double v = TestData.Value(r, bucket, i);
                sum += v;
                magnitude += Math.Abs(v);
            }
            double err = Math.Abs(result[i] - sum);
            if (err > relTolerance * magnitude + 1e-7)
                Assert.Fail($"element {i} of {result.Length}: got {result[i]}, expected {sum} (error {err:G3})");
        }
    }
}
