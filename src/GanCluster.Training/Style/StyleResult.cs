using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>The outcome of a run: the image ([1, 3, H, W] in [0, 1]; the caller disposes it) and the losses at its start and end.</summary>
public sealed record StyleResult(Tensor Image, StyleLossValues Initial, StyleLossValues Final, int Steps, TimeSpan Elapsed, bool Stopped);
