using GanCluster.Core.Quality;
using GanCluster.Core.Spec;
using GanCluster.Training.Collapse;
using GanCluster.Training.Data;
using GanCluster.Training.Features;
using GanCluster.Training.Quality;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Quality;

/// <summary>
/// FID, KID and precision/recall on constructed sets of real MNIST digits, in both shipped feature spaces (the MNIST
/// classifier's embedding and the ImageNet ResNet18): held-out digits of every class score better than digits of one
/// class, which score better than one digit repeated with small noise.
/// </summary>
public class MnistQualitySetsTests(ITestOutputHelper output)
{
    static readonly Lazy<InMemoryImageSource> Data = new(() => (InMemoryImageSource)ImageSources.Open(new DataSpec(), new ModelSpec()));

    /// <summary><paramref name="n"/> held-out digits (images 8000+) whose label is in <paramref name="classes"/> (all when empty).</summary>
    static int[] Digits(int n, params int[] classes) => Enumerable.Range(8000, 2000)
        .Where(i => classes.Length == 0 || classes.Contains(Data.Value.Labels![i])).Take(n).ToArray();

    static QualityMeasures Repeated(QualityScorer scorer, int n)
    {
        int digit = Digits(1)[0];
        using var rng = new Generator(5);
        return scorer.Measure(n, (start, count) =>
        {
            var clean = CollapseScorer.Read(Data.Value, Enumerable.Repeat(digit, count).ToArray(), 0, count);
            return (clean + randn(clean.shape, generator: rng) * 0.05).clamp(-1, 1);
        });
    }

    void Check(IFeatureNetwork network, int realN, int n, bool kidOrdersCollapse = true)
    {
        var scorer = QualityScorer.Build(network, Data.Value, realN, seed: 1, QualityOptions.Default);
        var healthy = scorer.Measure(Data.Value, Digits(n));
        var oneClass = scorer.Measure(Data.Value, Digits(n, 4));
        var duplicated = Repeated(scorer, n);
        foreach (var (name, m) in new[] { ("healthy", healthy), ("one class (4)", oneClass), ("1 digit repeated", duplicated) })
            output.WriteLine($"{network.Name,-9} {name,-17} fid {m.Fid,9:F3} kid {m.Kid:F4}±{m.KidStd:F4} precision {m.Precision:F3} " +
                             $"recall {m.Recall:F3} density {m.Manifold.Density:F3} coverage {m.Manifold.Coverage:F3}");

        Assert.All(new[] { healthy, oneClass, duplicated }, m => Assert.Equal(network.Name, m.Features));
        Assert.True(healthy.Fid < oneClass.Fid && oneClass.Fid < duplicated.Fid, "FID orders healthy < one class < duplicated");
        Assert.True(healthy.Kid < oneClass.Kid && healthy.Kid < duplicated.Kid, "KID ranks healthy best");
        if (kidOrdersCollapse) Assert.True(oneClass.Kid < duplicated.Kid, "KID orders one class < duplicated");
        Assert.True(healthy.Recall > oneClass.Recall && oneClass.Recall > duplicated.Recall, "recall orders healthy > one class > duplicated");
        Assert.True(healthy.Manifold.Coverage > oneClass.Manifold.Coverage && oneClass.Manifold.Coverage > duplicated.Manifold.Coverage);
        // Held-out real digits are what the reference is: high precision and recall, KID within noise of 0.
        Assert.True(healthy.Precision > 0.6 && healthy.Recall > 0.6, $"healthy precision {healthy.Precision} recall {healthy.Recall}");
        Assert.True(Math.Abs(healthy.Kid) < 0.1 * oneClass.Kid);
        // One class is real-looking (precision stays) but has lost the other modes (recall falls): the collapse signal.
        Assert.True(oneClass.Recall < 0.5 * healthy.Recall, $"one class recall {oneClass.Recall} vs healthy {healthy.Recall}");
    }

    [Fact]
    public void Mnist_embedding_orders_healthy_one_class_and_duplicated_sets()
    {
        using var network = FeatureNetworks.Create("mnist", embeddedMnist: true, "test")!;
        // KID's cubic kernel (xᵀy/d + 1)³ is made for Inception-scale features; on this unnormalised 64-d embedding it is
        // dominated by feature norms and ranks one class (4: large norms) below one repeated digit. docs/quality.md.
        Check(network, realN: 1000, n: 512, kidOrdersCollapse: false);
    }

    [Fact]
    public void Resnet18_features_order_healthy_one_class_and_duplicated_sets()
    {
        using var network = new ResNet18Features();
        Check(network, realN: 300, n: 128); // ResNet18 at 224x224 costs ~2 GFLOP an image: smaller sets
    }

    [Fact]
    public void The_real_side_is_cached_and_reused_only_for_the_same_key()
    {
        string dir = Directory.CreateTempSubdirectory("gc-quality-scorer-").FullName;
        try
        {
            string cache = Path.Combine(dir, "quality", "real-mnist.bin");
            using var network = FeatureNetworks.Create("mnist", embeddedMnist: true, "test")!;
            var first = QualityScorer.Build(network, Data.Value, 200, seed: 1, QualityOptions.Default, cachePath: cache);
            var second = QualityScorer.Build(network, Data.Value, 200, seed: 1, QualityOptions.Default, cachePath: cache);
            var otherSeed = QualityScorer.Build(network, Data.Value, 200, seed: 2, QualityOptions.Default, cachePath: cache);
            Assert.False(first.FromCache);
            Assert.True(File.Exists(cache));
            Assert.True(second.FromCache);
            Assert.False(otherSeed.FromCache);
            var digits = Digits(64);
            Assert.Equal(first.Measure(Data.Value, digits), second.Measure(Data.Value, digits));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
