namespace GanCluster.Training.Models.Progressive;

/// <summary>Block widths of the progressive networks: fmaps up to 32x32, halving per doubling above (ProGAN's nf()).</summary>
public static class ProgressiveShapes
{
    public static long Width(int fmaps, int resolution) => Math.Max(1, Math.Min(fmaps, (long)fmaps * 32 / resolution));

    /// <summary>4, 8, ..., up to <paramref name="resolution"/>.</summary>
    public static IEnumerable<int> Resolutions(int resolution)
    {
        for (int r = 4; r <= resolution; r *= 2) yield return r;
    }
}
