using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Style;

/// <summary>The three terms style transfer minimises (Gatys et al. 2016, plus a total-variation smoother).</summary>
public static class StyleLosses
{
    /// <summary>Mean squared difference of the content-layer activations, averaged over layers.</summary>
    public static Tensor Content(IReadOnlyList<Tensor> features, IReadOnlyList<Tensor> targets)
    {
        CheckPairs(features, targets);
        var sum = mse_loss(features[0], targets[0]);
        for (int i = 1; i < features.Count; i++) sum = sum + mse_loss(features[i], targets[i]);
        return sum / features.Count;
    }

    /// <summary>
    /// Mean squared difference of the Gram matrices, summed over the style layers (each layer counts
    /// equally; summed rather than averaged so the usual style weights from the PyTorch tutorial carry over).
    /// </summary>
    public static Tensor Style(IReadOnlyList<Tensor> features, IReadOnlyList<Tensor> targetGrams)
    {
        CheckPairs(features, targetGrams);
        var sum = mse_loss(GramMatrix.Of(features[0]), targetGrams[0]);
        for (int i = 1; i < features.Count; i++) sum = sum + mse_loss(GramMatrix.Of(features[i]), targetGrams[i]);
        return sum;
    }

    /// <summary>
    /// Mean squared difference between neighbouring pixels, down and across: high for pixel noise, low for
    /// smooth regions. Squared (not absolute) so L-BFGS sees a smooth function.
    /// </summary>
    public static Tensor TotalVariation(Tensor image)
    {
        long h = image.shape[2], w = image.shape[3];
        var down = image.narrow(2, 1, h - 1) - image.narrow(2, 0, h - 1);
        var across = image.narrow(3, 1, w - 1) - image.narrow(3, 0, w - 1);
        return down.square().mean() + across.square().mean();
    }

    static void CheckPairs(IReadOnlyList<Tensor> features, IReadOnlyList<Tensor> targets)
    {
        if (features.Count == 0 || features.Count != targets.Count)
            throw new ArgumentException($"expected as many targets as feature layers (at least one), found {features.Count} layers and {targets.Count} targets");
    }
}
