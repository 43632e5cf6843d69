using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>The activations an extractor returns for one image: content layers and style layers ([1, C, H, W] each).</summary>
public sealed record StyleFeatures(IReadOnlyList<Tensor> Content, IReadOnlyList<Tensor> Style);
