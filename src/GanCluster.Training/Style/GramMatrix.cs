using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>
/// The Gram matrix of a feature map: which channels fire together, wherever they fire. Spatial layout is
/// summed away, which is why it describes texture (style) and not arrangement (content).
/// </summary>
public static class GramMatrix
{
    /// <summary>
    /// [B, C, H, W] to [B, C, C]: G[c, d] = sum over positions of F[c, p] * F[d, p], divided by C*H*W so a
    /// layer's values do not grow with its width or the image's size (the PyTorch tutorial's normalisation).
    /// </summary>
    public static Tensor Of(Tensor features)
    {
        long b = features.shape[0], c = features.shape[1], h = features.shape[2], w = features.shape[3];
        var f = features.reshape(b, c, h * w);
        return bmm(f, f.transpose(1, 2)).div(c * h * w);
    }
}
