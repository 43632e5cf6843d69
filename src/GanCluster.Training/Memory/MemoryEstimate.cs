using System.Globalization;

namespace GanCluster.Training.Memory;

/// <summary>
/// What one training process needs, by part: weights (G, D and the generator EMA), optimizer state (Adam's two
/// moments plus the gradients: 3x the weights), activations kept for the backward pass (per image at the stage
/// that needs most, times its per-rank batch), the data loader's batch buffers, and the runtime (.NET and libtorch).
/// An estimate from the layer shapes, not a measurement: docs/BENCHMARKS.md compares it with measured peak RSS.
/// </summary>
public sealed record MemoryEstimate(long WeightBytes, long OptimizerBytes, long ActivationBytesPerImage, int Batch, int Resolution,
    long DataBytes, long RuntimeBytes)
{
    public long ActivationBytes => ActivationBytesPerImage * Batch;

    public long TotalBytes => WeightBytes + OptimizerBytes + ActivationBytes + DataBytes + RuntimeBytes;

    public override string ToString() =>
        $"memory estimate: {Gib(TotalBytes)} (weights {Gib(WeightBytes)}, optimizer state {Gib(OptimizerBytes)}, " +
        $"activations {Gib(ActivationBytesPerImage)} per image x {Batch} at {Resolution}x{Resolution}, data buffers {Gib(DataBytes)}, runtime {Gib(RuntimeBytes)})";

    public static string Gib(long bytes) => bytes >= 1L << 30
        ? (bytes / (double)(1L << 30)).ToString("0.##", CultureInfo.InvariantCulture) + " GiB"
        : (bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB";
}
