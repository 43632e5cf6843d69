using GanCluster.Core.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Steps;

/// <summary>
/// Counter-based randomness: the latents (and any other noise) of step s on rank r come from a generator
/// seeded by hash(seed, s, r). Nothing random carries state from step to step, so a resumed run, a run
/// healed from a peer and an uninterrupted run draw exactly the same numbers, and there is no RNG state
/// to checkpoint or transfer beyond the seed.
/// </summary>
public static class StepRandom
{
    /// <summary>A CPU generator for (seed, step, rank, stream); draw on CPU and move, so every device gets the same numbers.</summary>
    public static Generator For(long seed, long step, int rank, ulong stream = 0)
    {
        ulong s = SplitMix64.Mix(SplitMix64.Mix(SplitMix64.Mix((ulong)seed, (ulong)step), (ulong)rank + 1), stream);
        return new Generator(s & 0x7FFF_FFFF_FFFF_FFFFUL, CPU);
    }

    /// <summary>The fixed latent batch used for sample grids (the same for the whole run).</summary>
    public static Tensor FixedLatents(long seed, int count, int nz)
    {
        using var g = For(seed, -1, -1, 0x5A4D_504CUL);
        return randn(new long[] { count, nz }, generator: g);
    }
}
