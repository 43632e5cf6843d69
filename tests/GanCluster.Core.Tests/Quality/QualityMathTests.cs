using GanCluster.Core.Collapse;
using GanCluster.Core.Quality;
using GanCluster.Core.Tests.Collapse;
using MathNet.Numerics.LinearAlgebra;

namespace GanCluster.Core.Tests.Quality;

/// <summary>Closed forms for Gaussians, identical sets, and the ordering of healthy, one-class and duplicated sets.</summary>
public class QualityMathTests
{
    static Matrix<double> M(double[,] a) => Matrix<double>.Build.DenseOfArray(a);

    [Fact]
    public void Fid_of_two_gaussians_is_the_closed_form_even_when_the_covariances_do_not_commute()
    {
        // For 2x2 matrices with non-negative eigenvalues: tr(√P) = √(tr P + 2 √det P), with P = Σ₁Σ₂.
        var s1 = M(new double[,] { { 2, 0.5 }, { 0.5, 1 } });
        var s2 = M(new double[,] { { 1, -0.7 }, { -0.7, 3 } });
        var p = s1 * s2;
        Assert.NotEqual(p, s2 * s1); // they do not commute: tr √(Σ₁Σ₂) is not Σ √(λ₁λ₂)
        double traceSqrt = Math.Sqrt(p.Trace() + 2 * Math.Sqrt(p.Determinant()));
        double[] mu1 = [1, -2], mu2 = [0.5, 1];
        double expected = 0.25 + 9 + s1.Trace() + s2.Trace() - 2 * traceSqrt;

        double fid = FrechetDistance.Compute(new FeatureStatistics(mu1, s1, 100), new FeatureStatistics(mu2, s2, 100));

        Assert.Equal(expected, fid, 12);
    }

    [Fact]
    public void Fid_of_gaussians_with_diagonal_covariances_is_the_sum_over_dimensions()
    {
        // (μ₁ − μ₂)² + (σ₁ − σ₂)² per dimension, for every dimension of a 64-d Gaussian.
        var rng = new Random(3);
        int d = 64;
        var mu1 = Enumerable.Range(0, d).Select(_ => rng.NextDouble()).ToArray();
        var mu2 = Enumerable.Range(0, d).Select(_ => rng.NextDouble()).ToArray();
        var sd1 = Enumerable.Range(0, d).Select(_ => 0.1 + rng.NextDouble()).ToArray();
        var sd2 = Enumerable.Range(0, d).Select(_ => 0.1 + rng.NextDouble()).ToArray();
        double expected = Enumerable.Range(0, d).Sum(i => Math.Pow(mu1[i] - mu2[i], 2) + Math.Pow(sd1[i] - sd2[i], 2));
        // Rotate both by the same orthogonal matrix: the distance is invariant, but the covariances are no longer diagonal.
        var q = Matrix<double>.Build.Random(d, d, 5).QR().Q;
        FeatureStatistics Rotated(double[] mu, double[] sd) => new(
            (q * MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(mu)).ToArray(),
            q * Matrix<double>.Build.DiagonalOfDiagonalArray(sd.Select(s => s * s).ToArray()) * q.Transpose(), 100);

        Assert.Equal(expected, FrechetDistance.Compute(Rotated(mu1, sd1), Rotated(mu2, sd2)), 9);
    }

    [Fact]
    public void Sampled_fid_approaches_the_closed_form_for_a_shifted_gaussian()
    {
        // N(0, I) vs N(μ, I) in 8 dimensions: FID = |μ|² = 8 × 0.5² = 2; 4000 samples each leave a small bias (~d²/n).
        var a = Sample(4000, 8, 1, shift: 0);
        var b = Sample(4000, 8, 2, shift: 0.5);
        double fid = FrechetDistance.Compute(FeatureStatistics.Of(a), FeatureStatistics.Of(b));
        Assert.InRange(fid, 1.9, 2.15);
    }

    [Fact]
    public void Identical_sets_score_zero_fid_and_full_precision_recall_and_coverage()
    {
        var set = SyntheticFeatures.Healthy(300, 4).Pixels;
        var m = new QualityReference("test", set, QualityOptions.Default).Measure(set);
        Assert.InRange(m.Fid, 0, 1e-8);
        Assert.Equal(1, m.Manifold.Precision);
        Assert.Equal(1, m.Manifold.Recall);
        Assert.Equal(1, m.Manifold.Coverage);
        // Each point lies in its own ball and, on average, in k others' (it is among k points' k nearest): (k + 1) / k.
        Assert.Equal(4.0 / 3.0, m.Manifold.Density, 9);
    }

    [Fact]
    public void Kid_is_unbiased_near_zero_for_two_samples_of_one_distribution_and_large_for_different_ones()
    {
        var reference = new QualityReference("test", SyntheticFeatures.Healthy(600, 1).Pixels, QualityOptions.Default);
        var same = reference.Measure(SyntheticFeatures.Healthy(512, 2).Pixels);
        var shifted = reference.Measure(SyntheticFeatures.Draw(512, [0, 1, 2], 3).Pixels);
        Assert.True(shifted.Kid > 0 && Math.Abs(same.Kid) < shifted.Kid / 20, $"KID shifted {shifted.Kid} vs same {same.Kid}");
        Assert.True(shifted.KidStd > 0 && same.KidStd > 0, "the subsets differ from one another, so KID has a spread");
    }

    [Fact]
    public void Healthy_scores_better_than_one_class_which_scores_better_than_duplicated()
    {
        var reference = new QualityReference("test", SyntheticFeatures.Healthy(1000, 1).Pixels, QualityOptions.Default);
        var healthy = reference.Measure(SyntheticFeatures.Healthy(512, 2).Pixels);
        var oneClass = reference.Measure(SyntheticFeatures.Draw(512, [4], 3).Pixels);
        var duplicated = reference.Measure(SyntheticFeatures.Repeated(512, bases: 1, seed: 5).Pixels);

        Assert.True(healthy.Fid < oneClass.Fid && oneClass.Fid < duplicated.Fid, $"FID {healthy.Fid} {oneClass.Fid} {duplicated.Fid}");
        Assert.True(healthy.Kid < oneClass.Kid && oneClass.Kid < duplicated.Kid, $"KID {healthy.Kid} {oneClass.Kid} {duplicated.Kid}");
        Assert.True(healthy.Recall > oneClass.Recall && oneClass.Recall > duplicated.Recall, $"recall {healthy.Recall} {oneClass.Recall} {duplicated.Recall}");
        Assert.True(healthy.Manifold.Coverage > oneClass.Manifold.Coverage && oneClass.Manifold.Coverage > duplicated.Manifold.Coverage);
        // Mode dropping keeps precision (the one class is real-looking) and loses recall: the collapse signal.
        Assert.True(oneClass.Precision > 0.8 * healthy.Precision && oneClass.Recall < 0.2 * healthy.Recall,
            $"one class: precision {oneClass.Precision} recall {oneClass.Recall}; healthy: {healthy.Precision} {healthy.Recall}");
    }

    [Fact]
    public void Cached_reference_round_trips_and_a_different_key_or_damaged_file_is_ignored()
    {
        string dir = Directory.CreateTempSubdirectory("gc-quality-cache-").FullName;
        try
        {
            string path = Path.Combine(dir, "quality", "real-test.bin");
            var features = SyntheticFeatures.Healthy(50, 1).Pixels;
            var stats = FeatureStatistics.Of(features);
            QualityReferenceFile.Save(path, "key-1", features, stats);

            var loaded = QualityReferenceFile.TryLoad(path, "key-1");
            Assert.NotNull(loaded);
            Assert.Equal(features.Data, loaded.Value.Features.Data);
            Assert.Equal(stats.Mean, loaded.Value.Statistics.Mean);
            Assert.Equal(stats.Covariance, loaded.Value.Statistics.Covariance);
            Assert.Null(QualityReferenceFile.TryLoad(path, "key-2"));

            var bytes = File.ReadAllBytes(path);
            bytes[^3] ^= 0x40;
            File.WriteAllBytes(path, bytes);
            Assert.Null(QualityReferenceFile.TryLoad(path, "key-1"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    static FeatureMatrix Sample(int n, int d, int seed, double shift)
    {
        var rng = new Random(seed);
        var data = new float[n * d];
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(shift + Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return new FeatureMatrix(data, n, d);
    }
}
