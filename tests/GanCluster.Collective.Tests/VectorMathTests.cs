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
    public void Fp16_decode_matches_dotnet_for_every_half()
    {
        var all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var decoded = new float[all.Length];
        VectorMath.FromFp16(all, decoded);
        for (int i = 0; i < all.Length; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf(all[i]);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(decoded[i]), $"0x{i:X4}");
            else Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(decoded[i]));
        }
    }

    [Fact]
    public void Fp16_encode_matches_dotnet_across_the_range()
    {
        // Values around every half exponent (normal, subnormal, overflow, ties) plus specials.
        var rng = new SplitMix64(7);
        var values = new List<float> { 0f, -0f, 65504f, 65519.99f, 65520f, 1e9f, -1e9f, 6.1e-5f, 5.96e-8f, 2.98e-8f, 2.99e-8f, 1e-10f,
            float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.Epsilon };
        for (int e = -30; e <= 17; e++)
            for (int k = 0; k < 200; k++)
                values.Add((float)((rng.NextDouble() * 2 - 1) * Math.Pow(2, e)));
        for (uint bits = 0x3F800000; bits < 0x3F800000 + 4 * 8192; bits += 1024) values.Add(BitConverter.UInt32BitsToSingle(bits)); // ties
        var src = values.ToArray();
        var wire = new ushort[src.Length];
        VectorMath.ToFp16(src, wire);
        for (int i = 0; i < src.Length; i++)
            Assert.True(BitConverter.HalfToUInt16Bits((Half)src[i]) == wire[i], $"{src[i]:R}: 0x{wire[i]:X4}");
        var rounded = (float[])src.Clone();
        VectorMath.RoundFp16(rounded);
        for (int i = 0; i < src.Length; i++) Assert.Equal((float)(Half)src[i], rounded[i]);
        Assert.True(float.IsNaN(VectorMath.FromBf16(VectorMath.ToBf16(float.NaN))));
        var nan = new ushort[16];
        VectorMath.ToFp16(Enumerable.Repeat(float.NaN, 16).ToArray(), nan);
        Assert.All(nan, h => Assert.True(Half.IsNaN(BitConverter.UInt16BitsToHalf(h))));
    }

    [Fact]
    public void AddFp16_equals_add_of_the_decoded_values()
    {
        var acc = Random(77, 8);
        var x = Random(77, 9);
        var wire = new ushort[77];
        VectorMath.ToFp16(x, wire);
        var expected = acc.Select((a, i) => a + (float)BitConverter.UInt16BitsToHalf(wire[i])).ToArray();
        VectorMath.AddFp16(acc, wire);
        Assert.Equal(expected, acc);
    }
}
