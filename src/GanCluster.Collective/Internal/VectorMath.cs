using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GanCluster.Collective.Internal;

/// <summary>
/// The reduction and wire-format conversions, SIMD (Vector256 where the CPU has it, Vector128 otherwise, scalar tail).
/// Every function is element-wise and exact in IEEE terms, so results do not depend on the vector width.
/// </summary>
internal static class VectorMath
{
    /// <summary>acc[i] += x[i].</summary>
    public static void Add(Span<float> acc, ReadOnlySpan<float> x)
    {
        if (x.Length != acc.Length) throw new ArgumentException("length mismatch");
        ref float a = ref MemoryMarshal.GetReference(acc);
        ref float b = ref MemoryMarshal.GetReference(x);
        int n = acc.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 32; i += 32)
            {
                var a0 = Vector256.LoadUnsafe(ref a, (nuint)i) + Vector256.LoadUnsafe(ref b, (nuint)i);
                var a1 = Vector256.LoadUnsafe(ref a, (nuint)(i + 8)) + Vector256.LoadUnsafe(ref b, (nuint)(i + 8));
                var a2 = Vector256.LoadUnsafe(ref a, (nuint)(i + 16)) + Vector256.LoadUnsafe(ref b, (nuint)(i + 16));
                var a3 = Vector256.LoadUnsafe(ref a, (nuint)(i + 24)) + Vector256.LoadUnsafe(ref b, (nuint)(i + 24));
                a0.StoreUnsafe(ref a, (nuint)i);
                a1.StoreUnsafe(ref a, (nuint)(i + 8));
                a2.StoreUnsafe(ref a, (nuint)(i + 16));
                a3.StoreUnsafe(ref a, (nuint)(i + 24));
            }
            for (; i <= n - 8; i += 8)
                (Vector256.LoadUnsafe(ref a, (nuint)i) + Vector256.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref a, (nuint)i);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 4; i += 4)
                (Vector128.LoadUnsafe(ref a, (nuint)i) + Vector128.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref a, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref a, i) += Unsafe.Add(ref b, i);
    }

    // ---- bfloat16: the top 16 bits of an fp32, rounded to nearest even; NaN stays (quiet) NaN ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ToBf16(float f)
    {
        uint u = BitConverter.SingleToUInt32Bits(f);
        if ((u & 0x7FFF_FFFFu) > 0x7F80_0000u) return (ushort)((u >> 16) | 0x40);
        return (ushort)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FromBf16(ushort h) => BitConverter.UInt32BitsToSingle((uint)h << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<uint> RoundBf16Bits(Vector256<uint> u)
    {
        var rounded = (u + Vector256.Create(0x7FFFu) + ((u >> 16) & Vector256.Create(1u))) >> 16;
        var isNaN = Vector256.GreaterThan(u & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        return Vector256.ConditionalSelect(isNaN, (u >> 16) | Vector256.Create(0x40u), rounded);
    }

    public static void ToBf16(ReadOnlySpan<float> src, Span<ushort> dst)
    {
        int n = src.Length, i = 0;
        ref uint s = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(src));
        ref ushort d = ref MemoryMarshal.GetReference(dst);
        if (dst.Length < n) throw new ArgumentException("destination too short");
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var lo = RoundBf16Bits(Vector256.LoadUnsafe(ref s, (nuint)i));
                var hi = RoundBf16Bits(Vector256.LoadUnsafe(ref s, (nuint)(i + 8)));
                Vector256.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = ToBf16(BitConverter.UInt32BitsToSingle(Unsafe.Add(ref s, i)));
    }

    /// <summary>dst[i] = widen(src[i]).</summary>
    public static void FromBf16(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        int n = src.Length, i = 0;
        ref ushort s = ref MemoryMarshal.GetReference(src);
        ref uint d = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(dst));
        if (dst.Length < n) throw new ArgumentException("destination too short");
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                (lo << 16).StoreUnsafe(ref d, (nuint)i);
                (hi << 16).StoreUnsafe(ref d, (nuint)(i + 8));
            }
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = (uint)Unsafe.Add(ref s, i) << 16;
    }

    /// <summary>acc[i] += widen(x[i]) (fp32 accumulation of a bf16 partial sum).</summary>
    public static void AddBf16(Span<float> acc, ReadOnlySpan<ushort> x)
    {
        int n = acc.Length, i = 0;
        ref float a = ref MemoryMarshal.GetReference(acc);
        ref ushort s = ref MemoryMarshal.GetReference(x);
        if (x.Length < n) throw new ArgumentException("source too short");
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                (Vector256.LoadUnsafe(ref a, (nuint)i) + (lo << 16).AsSingle()).StoreUnsafe(ref a, (nuint)i);
                (Vector256.LoadUnsafe(ref a, (nuint)(i + 8)) + (hi << 16).AsSingle()).StoreUnsafe(ref a, (nuint)(i + 8));
            }
        }
        for (; i < n; i++) Unsafe.Add(ref a, i) += FromBf16(Unsafe.Add(ref s, i));
    }

    /// <summary>x[i] = widen(narrow(x[i])): the value every other rank will see after the all-gather.</summary>
    public static void RoundBf16(Span<float> x)
    {
        int n = x.Length, i = 0;
        ref uint u = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(x));
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
                (RoundBf16Bits(Vector256.LoadUnsafe(ref u, (nuint)i)) << 16).StoreUnsafe(ref u, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref u, i) = (uint)ToBf16(BitConverter.UInt32BitsToSingle(Unsafe.Add(ref u, i))) << 16;
    }

    // ---- IEEE half: branch-free bit arithmetic (round to nearest even; overflow to infinity; NaN stays NaN),
    //      identical to .NET's (Half) conversions (the tests check all 65536 halves and many floats) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<uint> HalfBits(Vector256<uint> f)
    {
        var sign = f & Vector256.Create(0x8000_0000u);
        f ^= sign;
        // normal range: rebias the exponent, round the 13 dropped mantissa bits to nearest even
        var odd = (f >> 13) & Vector256.Create(1u);
        var normal = (f + Vector256.Create(unchecked((uint)((15 - 127) << 23)) + 0xFFFu) + odd) >> 13;
        // below 2^-14: let the FPU align and round the mantissa by adding 0.5 (denorm magic), then subtract it back
        var magic = Vector256.Create((uint)(((127 - 15) + (23 - 10) + 1) << 23));
        var small = (f.AsSingle() + magic.AsSingle()).AsUInt32() - magic;
        // at or above 65520 (rounds to 2^16): infinity; NaN: quiet NaN
        var special = Vector256.ConditionalSelect(Vector256.GreaterThan(f, Vector256.Create(0x7F80_0000u)),
            Vector256.Create(0x7E00u), Vector256.Create(0x7C00u));
        var o = Vector256.ConditionalSelect(Vector256.LessThan(f, Vector256.Create(113u << 23)), small, normal);
        o = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(f, Vector256.Create((127u + 16) << 23)), special, o);
        return o | (sign >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<uint> FloatBitsOfHalf(Vector256<uint> h)
    {
        var shiftedExp = Vector256.Create(0x7C00u << 13);
        var o = (h & Vector256.Create(0x7FFFu)) << 13;
        var exp = o & shiftedExp;
        o += Vector256.Create((127u - 15) << 23);
        var infNaN = o + Vector256.Create((128u - 16) << 23);
        var magic = Vector256.Create(113u << 23);
        var denormal = ((o + Vector256.Create(1u << 23)).AsSingle() - magic.AsSingle()).AsUInt32();
        o = Vector256.ConditionalSelect(Vector256.Equals(exp, shiftedExp), infNaN, o);
        o = Vector256.ConditionalSelect(Vector256.Equals(exp, Vector256<uint>.Zero), denormal, o);
        return o | ((h & Vector256.Create(0x8000u)) << 16);
    }

    public static void ToFp16(ReadOnlySpan<float> src, Span<ushort> dst)
    {
        int n = src.Length, i = 0;
        if (dst.Length < n) throw new ArgumentException("destination too short");
        ref uint s = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(src));
        ref ushort d = ref MemoryMarshal.GetReference(dst);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var lo = HalfBits(Vector256.LoadUnsafe(ref s, (nuint)i));
                var hi = HalfBits(Vector256.LoadUnsafe(ref s, (nuint)(i + 8)));
                Vector256.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = BitConverter.HalfToUInt16Bits((Half)BitConverter.UInt32BitsToSingle(Unsafe.Add(ref s, i)));
    }

    public static void FromFp16(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        int n = src.Length, i = 0;
        if (dst.Length < n) throw new ArgumentException("destination too short");
        ref ushort s = ref MemoryMarshal.GetReference(src);
        ref uint d = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(dst));
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                FloatBitsOfHalf(lo).StoreUnsafe(ref d, (nuint)i);
                FloatBitsOfHalf(hi).StoreUnsafe(ref d, (nuint)(i + 8));
            }
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf(Unsafe.Add(ref s, i)));
    }

    public static void AddFp16(Span<float> acc, ReadOnlySpan<ushort> x)
    {
        int n = acc.Length, i = 0;
        if (x.Length < n) throw new ArgumentException("source too short");
        ref float a = ref MemoryMarshal.GetReference(acc);
        ref ushort s = ref MemoryMarshal.GetReference(x);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                (Vector256.LoadUnsafe(ref a, (nuint)i) + FloatBitsOfHalf(lo).AsSingle()).StoreUnsafe(ref a, (nuint)i);
                (Vector256.LoadUnsafe(ref a, (nuint)(i + 8)) + FloatBitsOfHalf(hi).AsSingle()).StoreUnsafe(ref a, (nuint)(i + 8));
            }
        }
        for (; i < n; i++) Unsafe.Add(ref a, i) += (float)BitConverter.UInt16BitsToHalf(Unsafe.Add(ref s, i));
    }

    public static void RoundFp16(Span<float> x)
    {
        int n = x.Length, i = 0;
        ref uint u = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(x));
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
                FloatBitsOfHalf(HalfBits(Vector256.LoadUnsafe(ref u, (nuint)i))).StoreUnsafe(ref u, (nuint)i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref u, i) = BitConverter.SingleToUInt32Bits((float)(Half)BitConverter.UInt32BitsToSingle(Unsafe.Add(ref u, i)));
    }

    // ---- dispatch on the wire format ----

    public static void Encode(WireFormat wire, ReadOnlySpan<float> src, Span<ushort> dst)
    {
        if (wire == WireFormat.BFloat16) ToBf16(src, dst); else ToFp16(src, dst);
    }

    public static void Decode(WireFormat wire, ReadOnlySpan<ushort> src, Span<float> dst)
    {
        if (wire == WireFormat.BFloat16) FromBf16(src, dst); else FromFp16(src, dst);
    }

    public static void AddDecoded(WireFormat wire, Span<float> acc, ReadOnlySpan<ushort> x)
    {
        if (wire == WireFormat.BFloat16) AddBf16(acc, x); else AddFp16(acc, x);
    }

    public static void Round(WireFormat wire, Span<float> x)
    {
        if (wire == WireFormat.BFloat16) RoundBf16(x); else if (wire == WireFormat.Float16) RoundFp16(x);
    }
}
