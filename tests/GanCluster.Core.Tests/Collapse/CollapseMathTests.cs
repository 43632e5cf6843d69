using GanCluster.Core.Collapse;

namespace GanCluster.Core.Tests.Collapse;

public class CollapseMathTests
{
    [Fact]
    public void Pairwise_distances_are_euclidean_over_unordered_pairs()
    {
        // (0,0), (3,4), (6,8): distances 5, 10, 5.
        var m = new FeatureMatrix([0, 0, 3, 4, 6, 8], 3, 2);
        Assert.Equal([5f, 10f, 5f], PairwiseDistances.All(m));
        Assert.Equal(20.0 / 3, PairwiseDistances.Mean(m), 6);
        var (mean, below) = PairwiseDistances.MeanAndFractionBelow(m, 6);
        Assert.Equal(20.0 / 3, mean, 6);
        Assert.Equal(2.0 / 3, below, 6);
    }

    [Fact]
    public void Simd_and_scalar_paths_agree_on_long_vectors()
    {
        var rng = new Random(3);
        var a = Enumerable.Range(0, 37).Select(_ => (float)rng.NextDouble()).ToArray();
        var b = Enumerable.Range(0, 37).Select(_ => (float)rng.NextDouble()).ToArray();
        double expected = Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum());
        Assert.Equal(expected, PairwiseDistances.Distance(a, b), 5);
    }

    [Fact]
    public void Percentiles_interpolate_between_ranks()
    {
        float[] values = [4, 1, 3, 2, 5];
        Assert.Equal(1, PairwiseDistances.Percentile(values, 0));
        Assert.Equal(3, PairwiseDistances.Percentile(values, 50));
        Assert.Equal(5, PairwiseDistances.Percentile(values, 100));
        Assert.Equal(1.04, PairwiseDistances.Percentile(values, 1), 6);
    }

    [Fact]
    public void Concat_scales_each_block()
    {
        var a = new FeatureMatrix([1, 2, 3, 4], 2, 2);
        var b = new FeatureMatrix([10, 20], 2, 1);
        var c = FeatureMatrix.Concat((a, 1.0), (b, 0.1));
        Assert.Equal(3, c.Columns);
        Assert.Equal([1f, 2f, 1f, 3f, 4f, 2f], c.Data);
    }

    [Fact]
    public void An_even_class_spread_has_zero_kl_and_full_coverage()
    {
        var probs = Enumerable.Range(0, 100).SelectMany(i => Enumerable.Range(0, 10).Select(k => k == i % 10 ? 0.91f : 0.01f)).ToArray();
        var cov = ClassCoverage.Compute(new FeatureMatrix(probs, 100, 10), confidence: 0.9, minFraction: 0.01);
        Assert.Equal(10, cov.ClassesCovered);
        Assert.Equal(0, cov.KlUniform, 9);
        Assert.All(cov.Histogram, h => Assert.Equal(0.1, h, 9));
        Assert.Equal(1.0, cov.ConfidentFraction);
    }

    [Fact]
    public void One_class_has_kl_ln_k_and_unconfident_classes_are_not_covered()
    {
        // 95 images confidently a 3; 5 images weakly (p = 0.5) a 7: class 7 is in the histogram but not covered.
        var probs = new List<float>();
        for (int i = 0; i < 100; i++)
            probs.AddRange(Enumerable.Range(0, 10).Select(k => i < 95 ? (k == 3 ? 0.99f : 0.001f) : (k == 7 ? 0.5f : 0.5f / 9)));
        var cov = ClassCoverage.Compute(new FeatureMatrix(probs.ToArray(), 100, 10), 0.9, 0.01);
        Assert.Equal(1, cov.ClassesCovered);
        Assert.Equal(0.95, cov.Histogram[3], 9);
        Assert.Equal(0.05, cov.Histogram[7], 9);
        double expected = 0.95 * Math.Log(0.95 * 10) + 0.05 * Math.Log(0.05 * 10);
        Assert.Equal(expected, cov.KlUniform, 9);
        Assert.Equal(Math.Log(10), ClassCoverage.KlFromUniform([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 9);
    }

    [Fact]
    public void Coverage_needs_the_minimum_fraction()
    {
        // 1 image of 200 (0.5%) confidently in class 9: below the 1% needed.
        var probs = Enumerable.Range(0, 200).SelectMany(i => Enumerable.Range(0, 10).Select(k => k == (i == 0 ? 9 : 0) ? 0.99f : 0.001f)).ToArray();
        var cov = ClassCoverage.Compute(new FeatureMatrix(probs, 200, 10), 0.9, 0.01);
        Assert.Equal(1, cov.ClassesCovered);
    }

    [Fact]
    public void Score_components_are_zero_for_real_like_values_and_one_for_a_single_image()
    {
        Assert.Equal(0, CollapseScore.Combine(1.0, 0.01, 1.0, null));
        Assert.Equal(0, CollapseScore.Combine(1.3, 0.005, 1.0, null)); // more diverse than the data is not collapse
        var oneClass = new ClassCoverage([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1, Math.Log(10), 1);
        Assert.Equal(1, CollapseScore.Combine(0.0, 1.0, 1.0, oneClass), 9);
        Assert.Equal(0.5, CollapseScore.DuplicateComponent(0.1, 1.0), 9); // ln(10)/ln(100)
        Assert.Equal(Math.Log(5) / Math.Log(10), CollapseScore.ClassComponent(Math.Log(5), 10), 9);
    }

    [Fact]
    public void Constructed_sets_order_healthy_then_partial_then_full_collapse()
    {
        var options = new CollapseMeasureOptions();
        var reference = CollapseReference.Build(SyntheticFeatures.Healthy(600, seed: 1), options);
        var healthy = reference.Measure(SyntheticFeatures.Healthy(400, seed: 2));
        // Mode dropping: fewer classes, each with its natural spread.
        var twoClasses = reference.Measure(SyntheticFeatures.Draw(400, [2, 7], seed: 3));
        var oneClass = reference.Measure(SyntheticFeatures.Draw(400, [4], seed: 4));
        // Mode collapse proper: a few outputs repeated with small noise.
        var eightImages = reference.Measure(SyntheticFeatures.Repeated(400, bases: 8, seed: 5));
        var twoImages = reference.Measure(SyntheticFeatures.Repeated(400, bases: 2, seed: 6));
        var oneImage = reference.Measure(SyntheticFeatures.Repeated(400, bases: 1, seed: 7));

        Assert.InRange(healthy.Diversity, 0.95, 1.05);
        Assert.InRange(healthy.DuplicateRate, 0.0, 0.03);
        Assert.Equal(10, healthy.Coverage!.ClassesCovered);
        Assert.InRange(healthy.Score, 0.0, 0.05);
        Assert.Equal(2, twoClasses.Coverage!.ClassesCovered);
        Assert.Equal(1, oneClass.Coverage!.ClassesCovered);
        Assert.InRange(eightImages.DuplicateRate, 0.1, 0.2);
        Assert.True(oneImage.DuplicateRate > 0.99, $"duplicate rate {oneImage.DuplicateRate}");
        Assert.True(oneImage.Diversity < 0.05, $"diversity {oneImage.Diversity}");

        // healthy < partially collapsed < fully collapsed, along both kinds of collapse, by clear margins
        Assert.True(twoClasses.Score > healthy.Score + 0.25, $"{healthy.Score} vs {twoClasses.Score}");
        Assert.True(oneClass.Score > twoClasses.Score + 0.1, $"{twoClasses.Score} vs {oneClass.Score}");
        Assert.True(eightImages.Score > healthy.Score + 0.25, $"{healthy.Score} vs {eightImages.Score}");
        Assert.True(twoImages.Score > eightImages.Score + 0.1, $"{eightImages.Score} vs {twoImages.Score}");
        Assert.True(oneImage.Score > 0.95, $"{oneImage.Score}");
        Assert.All(new[] { twoClasses, oneClass, eightImages, twoImages }, m => Assert.True(oneImage.Score > m.Score + 0.2));
    }

    [Fact]
    public void Without_a_classifier_the_score_uses_diversity_and_duplicates()
    {
        var reference = CollapseReference.Build(SyntheticFeatures.Healthy(300, 1) with { Embedding = null, Probabilities = null }, new());
        var healthy = reference.Measure(SyntheticFeatures.Healthy(200, 2) with { Embedding = null, Probabilities = null });
        var collapsed = reference.Measure(SyntheticFeatures.Repeated(200, 2, 3) with { Embedding = null, Probabilities = null });
        Assert.Null(healthy.Coverage);
        Assert.True(collapsed.Score > healthy.Score + 0.5, $"{healthy.Score} vs {collapsed.Score}");
        var json = GanCluster.Core.Runs.RunJson.Object(CollapseReading.Of(healthy, suspected: false));
        Assert.True(json.ContainsKey("classes_covered"));
        Assert.Null(json["classes_covered"]);
        Assert.Equal(200, healthy.N);
    }

    [Fact]
    public void Measuring_with_a_different_feature_extractor_is_refused()
    {
        var reference = CollapseReference.Build(SyntheticFeatures.Healthy(50, 1), new());
        Assert.Throws<ArgumentException>(() => reference.Measure(SyntheticFeatures.Healthy(50, 2) with { Embedding = null, Probabilities = null }));
    }
}
