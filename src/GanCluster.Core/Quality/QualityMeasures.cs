namespace GanCluster.Core.Quality;

/// <summary>
/// Sample quality of a set of images against a real sample, in one feature space (<see cref="Features"/>: e.g.
/// <c>resnet18</c>, <c>inception-v3</c>, <c>mnist</c>). Only <c>inception-v3</c> numbers are comparable with published FID.
/// </summary>
/// <remarks>As the run's files and `gancluster evaluate` write it: <see cref="QualityReading"/>.</remarks>
public sealed record QualityMeasures(string Features, int N, int RealN, double Fid, double Kid, double KidStd, ManifoldMeasures Manifold)
{
    public double Precision => Manifold.Precision;

    public double Recall => Manifold.Recall;
}
