using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tensors;

/// <summary>
/// Tensor-with-number arithmetic that keeps its <see cref="Scalar"/> alive for the whole native call.
/// TorchSharp 0.107 hands a Scalar's raw handle to libtorch without keeping the Scalar reachable, so the
/// temporary made by an implicit conversion (<c>x * 0.5</c>) can be finalized by the GC on another thread
/// while the op still reads it; after thousands of steps a run dies with "Unknown scalar type" (or worse).
/// Each helper creates the Scalar in a using block, so it lives until the op has returned.
/// Use these in per-step code instead of operators with a double operand.
/// </summary>
public static class ScalarOps
{
    /// <summary>
    /// The alpha of every add here. TorchSharp's one-argument add/add_ pass an implicit <c>1</c> (a temporary Scalar) as
    /// alpha, which the same race frees mid-call (bench-rescue's 1570-step run died in SafeAdam's eps add_ with "Expected
    /// false to be true"); a static Scalar stays reachable for the life of the process.
    /// </summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>x * value.</summary>
    public static Tensor Times(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.mul(s);
    }

    /// <summary>x + value.</summary>
    public static Tensor Plus(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.add(s, One);
    }

    /// <summary>value - x.</summary>
    public static Tensor Minus(double value, Tensor x)
    {
        using var s = value.ToScalar();
        return x.neg().add_(s, One);
    }

    /// <summary>x *= value, in place.</summary>
    public static Tensor TimesInPlace(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.mul_(s);
    }

    /// <summary>x += alpha * y, in place.</summary>
    public static Tensor AddScaledInPlace(this Tensor x, Tensor y, double alpha)
    {
        using var s = alpha.ToScalar();
        return x.add_(y, s);
    }

    /// <summary>x clamped to [min, max].</summary>
    public static Tensor ClampTo(this Tensor x, double min, double max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return x.clamp(lo, hi);
    }

    /// <summary>x / value (a true division, as TorchSharp's operator would do).</summary>
    public static Tensor DividedBy(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.div(s);
    }

    /// <summary>x /= value, in place.</summary>
    public static Tensor DivideInPlace(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.div_(s);
    }

    /// <summary>x += value, in place.</summary>
    public static Tensor PlusInPlace(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.add_(s, One);
    }

    /// <summary>x += value * a * b, in place.</summary>
    public static Tensor AddcmulInPlace(this Tensor x, Tensor a, Tensor b, double value)
    {
        using var s = value.ToScalar();
        return x.addcmul_(a, b, s);
    }

    /// <summary>x += value * a / b, in place.</summary>
    public static Tensor AddcdivInPlace(this Tensor x, Tensor a, Tensor b, double value)
    {
        using var s = value.ToScalar();
        return x.addcdiv_(a, b, s);
    }

    /// <summary>LeakyReLU with the given negative slope.</summary>
    public static Tensor LeakyRelu(this Tensor x, double negativeSlope)
    {
        using var s = negativeSlope.ToScalar();
        return x.leaky_relu(s);
    }
}
