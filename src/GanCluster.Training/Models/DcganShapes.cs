namespace GanCluster.Training.Models;

/// <summary>Layer widths and counts shared by the DCGAN generator and discriminator.</summary>
public static class DcganShapes
{
    /// <summary>Number of stride-2 stages between 4x4 and the resolution (32: 3, 64: 4).</summary>
    public static int Stages(int resolution) => System.Numerics.BitOperations.Log2((uint)resolution) - 2;

    /// <summary>Width of the block <paramref name="level"/> steps away from the image: base * 2^level, capped at 8x.</summary>
    public static long Width(int baseWidth, int level) => (long)baseWidth << Math.Min(level, 3);
}
