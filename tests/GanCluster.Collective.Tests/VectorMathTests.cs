using GanCluster.Collective.Internal;
using GanCluster.Core.Data;

namespace GanCluster.Collective.Tests;

public class VectorMathTests
{
    static float[] Random(int n, ulong seed, double scale = 1)
    {
        var rng = new SplitMix64(seed);
        return Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    [Fact]
    public void Add_matches_scalar_for_every_length()
    {
        for (int n = 0; n < 70; n++)
        {
            var a = Random(n, 1);
            var b = Random(n, 2);
            var expected = a.Zip(b, (x, y) => x + y).ToArray();
            VectorMath.Add(a, b);
            Assert.Equal(expected, a);
        }
    }

    [Fact]
    public void Bf16_rounds_to_nearest_even_like_the_scalar_reference()
    {
        var values = Random(1000, 3, 1e4).Concat([0f, -0f, 1f, float.Epsilon, float.MaxValue, float.NegativeInfinity,
            float.PositiveInfinity, BitConverter.UInt32BitsToSingle(0x3F808000), BitConverter.UInt32BitsToSingle(0x3F818000)]).ToArray();
        var vector = new ushort[values.Length];
        VectorMath.ToBf16(values, vector);
        for (int i = 0; i < values.Length; i++) Assert.Equal(VectorMath.ToBf16(values[i]), vector[i]);
        // ties go to even: 1 + 2^-8 rounds down to 1, 1 + 3·2^-8 rounds up
        Assert.Equal((ushort)0x3F80, VectorMath.ToBf16(BitConverter.UInt32BitsToSingle(0x3F808000)));
        Assert.Equal((ushort)0x3F82, VectorMath.ToBf16(BitConverter.UInt32BitsToSingle(0x3F818000)));
        Assert.True(float.IsNaN(VectorMath.FromBf16(VectorMath.ToBf16(float.NaN))));

        var back = new float[values.Length];
        VectorMath.FromBf16(vector, back);
        var rounded = (float[])values.Clone();
        VectorMath.RoundBf16(rounded);
        Assert.Equal(back, rounded);
        for (int i = 0; i < 1000; i++) Assert.True(Math.Abs(back[i] - values[i]) <= Math.Abs(values[i]) * (1.0 / 256));
    }

    [Fact]
    public void AddBf16_equals_add_of_the_decoded_values()
    {
        var acc = Random(77, 4);
        var x = Random(77, 5);
        var wire = new ushort[77];
        VectorMath.ToBf16(x, wire);
        var decoded = new float[77];
        VectorMath.FromBf16(wire, decoded);
        var expected = acc.Zip(decoded, (a, b) => a + b).ToArray();
        VectorMath.AddBf16(acc, wire);
        Assert.Equal(expected, acc);
    }

    [Fact]
    public void Fp16_round_trip_is_half_precision()
    {
        var x = Random(100, 6);
        var wire = new ushort[100];
        VectorMath.ToFp16(x, wire);
        var back = new float[100];
        VectorMath.FromFp16(wire, back);
        for (int i = 0; i < 100; i++) Assert.Equal((float)(Half)x[i], back[i]);
    }
}
