using System.Text.Json.Nodes;

namespace GanCluster.Core.Quality;

/// <summary>
/// Sample quality of a set of images against a real sample, in one feature space (<see cref="Features"/>: e.g.
/// <c>resnet18</c>, <c>inception-v3</c>, <c>mnist</c>). Only <c>inception-v3</c> numbers are comparable with published FID.
/// </summary>
public sealed record QualityMeasures(string Features, int N, int RealN, double Fid, double Kid, double KidStd, ManifoldMeasures Manifold)
{
    public double Precision => Manifold.Precision;

    public double Recall => Manifold.Recall;

    /// <summary>
    /// The fields shared by metrics.jsonl rows and `gancluster evaluate`: fid, kid, kid_std, precision, recall, density,
    /// coverage, features (what they were computed with).
    /// </summary>
    public JsonObject ToJson() => new()
    {
        ["fid"] = Round(Fid),
        ["kid"] = Round(Kid),
        ["kid_std"] = Round(KidStd),
        ["precision"] = Round(Manifold.Precision),
        ["recall"] = Round(Manifold.Recall),
        ["density"] = Round(Manifold.Density),
        ["coverage"] = Round(Manifold.Coverage),
        ["features"] = Features,
    };

    static double Round(double v) => Math.Round(v, 6);
}
