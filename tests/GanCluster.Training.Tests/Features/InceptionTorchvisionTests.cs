using GanCluster.Training.Features;
using GanCluster.Training.Style;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Features;

/// <summary>
/// Inception-v3 pool3 against real PyTorch 1.13 / torchvision 0.14 on the same weights and input: the reference is
/// computed in the test by Features/inception_reference.py (random weights with calibrated BatchNorm statistics, as
/// torchvision's inception_v3 and as pytorch-fid's FID variant), so the key layout, the blocks, the FID pooling
/// variants and the 299x299 resize are all checked without shipping any weights.
/// </summary>
public class InceptionTorchvisionTests
{
    static readonly Lazy<string> Files = new(() =>
    {
        string dir = Directory.CreateTempSubdirectory("gc-inception-").FullName;
        Python.Run(TimeSpan.FromMinutes(5), Path.Combine(AppContext.BaseDirectory, "Features", "inception_reference.py"), dir);
        return dir;
    });

    [Theory]
    [InlineData("torchvision.pth", "torchvision", false)]
    [InlineData("fid.pth", "fid", true)]
    public void Pool3_features_match_pytorch_for_both_weight_layouts(string weights, string referenceKey, bool fidBlocks)
    {
        using var scope = NewDisposeScope();
        var reference = StateDictFile.Read(Path.Combine(Files.Value, "reference.pth"));
        using var network = new InceptionFeatures(Path.Combine(Files.Value, weights));
        Assert.Equal(fidBlocks, network.ComparableWithPublishedFid);
        Assert.Equal("inception-v3", network.Name);

        var features = network.Embed(reference["input"]);
        var expected = reference[referenceKey];

        Assert.Equal([2L, 2048], features.shape);
        double scale = expected.abs().max().item<float>();
        double error = (features - expected).abs().max().item<float>();
        Assert.True(scale > 1e-3, $"reference features are all ~0 (scale {scale})");
        // float32 through ~95 layers in two libtorch versions (1.13 and TorchSharp's): ~2e-4 of the scale apart.
        Assert.True(error < 1e-3 * scale, $"max |difference| {error} against a feature scale of {scale}");
    }

    [Fact]
    public void The_fid_blocks_change_the_features_so_the_variant_matters()
    {
        using var scope = NewDisposeScope();
        var reference = StateDictFile.Read(Path.Combine(Files.Value, "reference.pth"));
        // Same seed, different pooling: far more apart than the previous test's tolerance, so it tells the variants apart.
        double scale = reference["fid"].abs().max().item<float>();
        double gap = (reference["torchvision"] - reference["fid"]).abs().max().item<float>();
        Assert.True(gap > 2e-2 * scale, $"the two reference networks differ by only {gap} (scale {scale})");
    }

    [Fact]
    public void A_file_of_another_network_is_one_clear_input_error()
    {
        var e = Assert.Throws<Core.Spec.SpecException>(() =>
            new InceptionFeatures(Path.Combine(AppContext.BaseDirectory, "Style", "Fixtures", "vgg19-tiny.pth")));
        Assert.Contains("Conv2d_1a_3x3.conv.weight", e.Message);
        Assert.Contains("inception_v3", e.Message);
    }
}
