namespace GanCluster.Core.Quality;

/// <summary>The knobs of the sample-quality measures.</summary>
/// <param name="NearestK">k of the k-NN balls of precision/recall/density/coverage (Kynkäänniemi et al. 2019 use 3).</param>
/// <param name="KidSubsets">KID is averaged over this many random subset pairs (its std is over them too).</param>
/// <param name="KidSubsetSize">Images per KID subset, at most the smaller set's size (Bińkowski et al. use 1000).</param>
/// <param name="Seed">Picks the KID subsets.</param>
public sealed record QualityOptions(int NearestK = 3, int KidSubsets = 100, int KidSubsetSize = 1000, long Seed = 0)
{
    public static QualityOptions Default { get; } = new();
}
