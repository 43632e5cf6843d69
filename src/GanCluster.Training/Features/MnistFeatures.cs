using GanCluster.Training.Collapse;
using static TorchSharp.torch;

namespace GanCluster.Training.Features;

/// <summary>
/// "MNIST-FID": the shipped MNIST classifier's 64-unit penultimate embedding (<see cref="MnistClassifier.Features"/>),
/// the feature space papers on MNIST report FID in (each with its own classifier, so the numbers are comparable
/// between runs of this program, not with papers). Images are made grayscale 32x32 as the classifier was trained.
/// </summary>
public sealed class MnistFeatures(MnistClassifier classifier, string weightsPath, bool ownsClassifier = true) : IFeatureNetwork
{
    public const string NetworkName = Core.Quality.FeatureSetting.Mnist;

    public string Name => NetworkName;

    public string Description { get; } = $"MNIST classifier embedding (64-d, {weightsPath})";

    public int Dimension => MnistClassifier.FeatureSize;

    public bool ComparableWithPublishedFid => false;

    public Tensor Embed(Tensor images) => classifier.Features(CollapseFeatureExtractor.ClassifierInput(images.to(float32)));

    public void Dispose()
    {
        if (ownsClassifier) classifier.Dispose();
    }
}
