namespace GanCluster.Core.Data;

/// <summary>
/// A tiny, fully specified PRNG (SplitMix64). Used where the sequence must be identical on every rank,
/// every platform and every .NET version (System.Random's algorithm is not part of its contract).
/// </summary>
public struct SplitMix64(ulong seed)
{
    ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform integer in [0, n) without modulo bias (Lemire's method).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        ulong threshold = (ulong)(-(long)n) % (ulong)n;
        while (true)
        {
            ulong r = Next();
            UInt128 m = (UInt128)r * (ulong)n;
            if ((ulong)m >= threshold) return (int)(m >> 64);
        }
    }

    /// <summary>Uniform double in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    public static ulong Mix(ulong a, ulong b)
    {
        var r = new SplitMix64(a ^ (b * 0xD1342543DE82EF95UL));
        return r.Next();
    }
}
