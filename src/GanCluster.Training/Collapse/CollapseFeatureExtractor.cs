using GanCluster.Core.Collapse;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Collapse;

/// <summary>
/// The fixed feature space of the collapse measures (docs/collapse.md, "Feature space"). Two blocks, both frozen
/// for the whole run so that scores at different steps are comparable:
/// <list type="bullet">
/// <item>pixels: the image average-pooled to 16x16 (per channel), values in [-1, 1];</item>
/// <item>with a classifier: its 64-unit penultimate embedding of the image (as grayscale, resized to 32x32) and
/// its 10 class probabilities.</item>
/// </list>
/// The discriminator's features are deliberately not used: D changes every step, so its distances drift.
/// </summary>
public sealed class CollapseFeatureExtractor(MnistClassifier? classifier, Device? device = null)
{
    public const int PixelSide = 16;
    const int Chunk = 128;

    readonly Device _device = device ?? CPU;

    public MnistClassifier? Classifier { get; } = classifier;

    /// <summary>
    /// Features of <paramref name="total"/> images produced in chunks by <paramref name="chunk"/>(start, count) as
    /// [count, channels, h, w] tensors in [-1, 1]; each chunk's tensors are freed before the next.
    /// </summary>
    public CollapseFeatures Extract(int total, Func<int, int, Tensor> chunk)
    {
        var pixels = new List<float>();
        var embedding = Classifier == null ? null : new List<float>();
        var probabilities = Classifier == null ? null : new List<float>();
        int pixelColumns = 0;
        using var _ = no_grad();
        for (int start = 0; start < total; start += Chunk)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(Chunk, total - start);
            var images = chunk(start, count).to(_device).to(float32);
            var pooled = nn.functional.adaptive_avg_pool2d(images, [PixelSide, PixelSide]).flatten(1);
            pixelColumns = (int)pooled.shape[1];
            pixels.AddRange(pooled.cpu().data<float>());
            if (Classifier != null)
            {
                var features = Classifier.Features(ClassifierInput(images));
                embedding!.AddRange(features.cpu().data<float>());
                probabilities!.AddRange(nn.functional.softmax(Classifier.Classify(features), 1).cpu().data<float>());
            }
        }
        return new CollapseFeatures(
            new FeatureMatrix(pixels.ToArray(), total, Math.Max(1, pixelColumns)),
            embedding == null ? null : new FeatureMatrix(embedding.ToArray(), total, MnistClassifier.FeatureSize),
            probabilities == null ? null : new FeatureMatrix(probabilities.ToArray(), total, MnistClassifier.Classes));
    }

    /// <summary>Grayscale 32x32, as the classifier was trained.</summary>
    internal static Tensor ClassifierInput(Tensor images)
    {
        var gray = images.shape[1] == 1 ? images : images.mean([1L], keepdim: true);
        long side = gray.shape[2];
        if (side == MnistClassifier.InputResolution && gray.shape[3] == side) return gray;
        return nn.functional.interpolate(gray, [MnistClassifier.InputResolution, MnistClassifier.InputResolution],
            mode: InterpolationMode.Bilinear, align_corners: false, antialias: side > MnistClassifier.InputResolution);
    }
}
