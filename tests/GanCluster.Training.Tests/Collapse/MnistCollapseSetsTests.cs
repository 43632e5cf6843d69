using System.Diagnostics;
using GanCluster.Core.Collapse;
using GanCluster.Core.Spec;
using GanCluster.Training.Collapse;
using GanCluster.Training.Data;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Collapse;

/// <summary>
/// The measures on constructed sets of real MNIST digits with the shipped classifier: real digits score healthy;
/// digits from 1-2 classes and a few digits repeated with small noise score collapsed, in order of severity.
/// </summary>
public class MnistCollapseSetsTests(ITestOutputHelper output)
{
    const int N = 512;
    static readonly Lazy<(InMemoryImageSource Data, CollapseScorer Scorer)> Shared = new(() =>
    {
        var data = (InMemoryImageSource)ImageSources.Open(new DataSpec(), new ModelSpec());
        var classifier = MnistClassifier.Load(ImageSources.EmbeddedPath(ClassifierFiles.WeightsFile));
        return (data, CollapseScorer.Build(data, 1000, seed: 1, classifier, new CollapseSpec().MeasureOptions()));
    });

    static InMemoryImageSource Data => Shared.Value.Data;

    static CollapseScorer Scorer => Shared.Value.Scorer;

    /// <summary>N held-out digits (images 8000+) whose label is in <paramref name="classes"/> (all classes when empty).</summary>
    static int[] Digits(params int[] classes) => Enumerable.Range(8000, 2000)
        .Where(i => classes.Length == 0 || classes.Contains(Data.Labels![i])).Take(N).ToArray();

    static CollapseMeasures Measure(int[] indices) => Scorer.Measure(Data, indices);

    /// <summary>N images: <paramref name="bases"/> digits repeated, each copy with Gaussian noise (sigma on the [-1, 1] scale).</summary>
    static CollapseMeasures Repeated(int bases, double sigma = 0.05)
    {
        var baseIndices = Digits().Take(bases).ToArray();
        using var rng = new TorchSharp.torch.Generator(5);
        return Scorer.Measure(N, (start, count) =>
        {
            var rows = Enumerable.Range(start, count).Select(i => baseIndices[i % bases]).ToArray();
            var clean = CollapseScorer.Read(Data, rows, 0, count);
            return (clean + randn(clean.shape, generator: rng) * sigma).clamp(-1, 1);
        });
    }

    void Show(string name, CollapseMeasures m) => output.WriteLine(
        $"{name,-22} score {m.Score:F3}  diversity {m.Diversity:F3}  duplicates {m.DuplicateRate:F4}  classes {m.Coverage?.ClassesCovered}  kl {m.Coverage?.KlUniform:F3}");

    [Fact]
    public void Healthy_partial_and_full_collapse_are_ordered_by_clear_margins()
    {
        var spec = new CollapseSpec();
        var healthy = Measure(Digits());
        // Mode dropping: digits of fewer classes, each with its natural variety.
        var twoClasses = Measure(Digits(3, 8));
        var oneClass = Measure(Digits(4));
        // Mode collapse proper: a few digits repeated, each copy with small noise.
        var eightImages = Repeated(8);
        var fourImages = Repeated(4);
        var oneImage = Repeated(1);
        Show("healthy (10 classes)", healthy);
        Show("2 classes (3, 8)", twoClasses);
        Show("1 class (4)", oneClass);
        Show("8 images + noise", eightImages);
        Show("4 images + noise", fourImages);
        Show("1 image + noise", oneImage);

        Assert.InRange(healthy.Diversity, 0.9, 1.1);
        Assert.Equal(10, healthy.Coverage!.ClassesCovered);
        Assert.True(healthy.Score <= spec.ClearThreshold / 4, $"healthy {healthy.Score}");
        Assert.Equal(2, twoClasses.Coverage!.ClassesCovered);
        Assert.Equal(1, oneClass.Coverage!.ClassesCovered);
        Assert.True(fourImages.DuplicateRate > 0.2 && oneImage.DuplicateRate > 0.95, $"{fourImages.DuplicateRate} {oneImage.DuplicateRate}");
        foreach (var collapsed in new[] { twoClasses, oneClass, eightImages, fourImages, oneImage })
            Assert.True(collapsed.Score >= spec.RaiseThreshold, $"collapsed set scored {collapsed.Score}");

        // healthy < partially collapsed < fully collapsed, along both kinds of collapse, by clear margins
        Assert.True(twoClasses.Score > healthy.Score + 0.25, $"{healthy.Score} vs {twoClasses.Score}");
        Assert.True(oneClass.Score > twoClasses.Score + 0.1, $"{twoClasses.Score} vs {oneClass.Score}");
        Assert.True(eightImages.Score > healthy.Score + 0.25, $"{healthy.Score} vs {eightImages.Score}");
        Assert.True(fourImages.Score > eightImages.Score, $"{eightImages.Score} vs {fourImages.Score}");
        Assert.True(oneImage.Score > 0.95, $"{oneImage.Score}");
        Assert.All(new[] { twoClasses, oneClass, eightImages, fourImages }, m => Assert.True(oneImage.Score > m.Score + 0.2));
    }

    [Fact]
    public void Scoring_512_images_is_repeatable_and_reports_its_cost()
    {
        var indices = Digits();
        var first = Measure(indices);
        var clock = Stopwatch.StartNew();
        var again = Measure(indices);
        output.WriteLine($"one evaluation of {indices.Length} images (features + distances): {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(N, again.N);
        Assert.Equal(first.Score, again.Score, 9);
    }
}
