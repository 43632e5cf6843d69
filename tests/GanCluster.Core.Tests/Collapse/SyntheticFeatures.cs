using GanCluster.Core.Collapse;

namespace GanCluster.Core.Tests.Collapse;

/// <summary>
/// Constructed feature sets: a 10-class Gaussian mixture stands in for real data (pixel block = cluster centre +
/// noise, embedding block = a tighter version, probabilities = confident in the cluster's class).
/// </summary>
static class SyntheticFeatures
{
    public const int Classes = 10;
    const int PixelDims = 32, EmbeddingDims = 8;

    static readonly float[][] Centres = MakeCentres(PixelDims, 11);
    static readonly float[][] EmbeddingCentres = MakeCentres(EmbeddingDims, 12);

    static float[][] MakeCentres(int dims, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, Classes).Select(_ => Enumerable.Range(0, dims).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray()).ToArray();
    }

    /// <summary><paramref name="n"/> samples whose classes cycle through <paramref name="classes"/>.</summary>
    public static CollapseFeatures Draw(int n, int[] classes, int seed, double spread = 1.0)
    {
        var rng = new Random(seed);
        var pixels = new float[n * PixelDims];
        var embedding = new float[n * EmbeddingDims];
        var probs = new float[n * Classes];
        for (int i = 0; i < n; i++)
        {
            int c = classes[i % classes.Length];
            for (int d = 0; d < PixelDims; d++) pixels[i * PixelDims + d] = Centres[c][d] + (float)(Gaussian(rng) * spread);
            for (int d = 0; d < EmbeddingDims; d++) embedding[i * EmbeddingDims + d] = EmbeddingCentres[c][d] + (float)(Gaussian(rng) * 0.3 * spread);
            for (int k = 0; k < Classes; k++) probs[i * Classes + k] = k == c ? 0.955f : 0.005f;
        }
        return new CollapseFeatures(new FeatureMatrix(pixels, n, PixelDims), new FeatureMatrix(embedding, n, EmbeddingDims),
            new FeatureMatrix(probs, n, Classes));
    }

    public static CollapseFeatures Healthy(int n, int seed) => Draw(n, Enumerable.Range(0, Classes).ToArray(), seed);

    /// <summary><paramref name="copies"/> of each of a few base samples, with small noise.</summary>
    public static CollapseFeatures Repeated(int n, int bases, int seed, double noise = 0.01)
    {
        var baseSet = Healthy(bases, seed);
        var rng = new Random(seed + 1);
        var rows = Enumerable.Range(0, n).Select(i => i % bases).ToList();
        return new CollapseFeatures(Jitter(baseSet.Pixels.Select(rows), rng, noise), Jitter(baseSet.Embedding!.Select(rows), rng, noise),
            baseSet.Probabilities!.Select(rows));
    }

    static FeatureMatrix Jitter(FeatureMatrix m, Random rng, double noise) =>
        new(m.Data.Select(v => v + (float)(Gaussian(rng) * noise)).ToArray(), m.Rows, m.Columns);

    static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
