using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>
/// The outcome of a run: the image ([1, 3, H, W] in [0, 1]; the caller disposes it), the losses at the first
/// step and of the image returned (the best evaluated), and how often L-BFGS was restarted after a blow-up.
/// </summary>
public sealed record StyleResult(Tensor Image, StyleLossValues Initial, StyleLossValues Final, int Steps, TimeSpan Elapsed, bool Stopped, int Restarts);
