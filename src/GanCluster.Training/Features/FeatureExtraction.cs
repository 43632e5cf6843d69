using GanCluster.Core.Collapse;
using static TorchSharp.torch;

namespace GanCluster.Training.Features;

/// <summary>Runs a feature network over many images in chunks, without gradients, into a <see cref="FeatureMatrix"/>.</summary>
public static class FeatureExtraction
{
    /// <param name="chunk">(start, count) → [count, C, H, W] images in [-1, 1]; each chunk's tensors are freed before the next.</param>
    public static FeatureMatrix Extract(IFeatureNetwork network, int total, Func<int, int, Tensor> chunk, Device? device = null, int chunkSize = 64)
    {
        var data = new float[(long)total * network.Dimension];
        using var _ = no_grad();
        for (int start = 0; start < total; start += chunkSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(chunkSize, total - start);
            var images = chunk(start, count).to(device ?? CPU);
            var features = network.Embed(images).to(float32).cpu().contiguous();
            if (features.shape[0] != count || features.shape[1] != network.Dimension)
                throw new InvalidOperationException($"{network.Name} returned features of shape [{string.Join(", ", features.shape)}], expected [{count}, {network.Dimension}]");
            features.data<float>().CopyTo(data.AsSpan(start * network.Dimension, count * network.Dimension));
        }
        return new FeatureMatrix(data, total, network.Dimension);
    }
}
