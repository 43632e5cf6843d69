using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;
using static TorchSharp.torch;

namespace GanCluster.Training.Sampling;

/// <summary>
/// A checkpoint's sampling network, as every command that draws from a checkpoint uses it (`sample`, `evaluate`):
/// the generator EMA when the run kept one, at the checkpoint's progressive stage (<see cref="SampleGenerator"/>),
/// in eval mode.
/// </summary>
public sealed class CheckpointGenerator : IDisposable
{
    CheckpointGenerator(string path, RunSpec spec, nn.Module<Tensor, Tensor> network, Device device) =>
        (Path, Spec, Network, Device) = (path, spec, network, device);

    /// <summary>The checkpoint folder.</summary>
    public string Path { get; }

    /// <summary>The spec the checkpoint was trained with.</summary>
    public RunSpec Spec { get; }

    public nn.Module<Tensor, Tensor> Network { get; }

    public Device Device { get; }

    public static CheckpointGenerator Load(string checkpointDir, Device device)
    {
        var snapshot = TrainerSnapshot.ReadFrom(checkpointDir);
        var spec = RunSpecLoader.Parse(snapshot.ReadSpecYaml());
        return new CheckpointGenerator(checkpointDir, spec, SampleGenerator.Load(snapshot, spec, device), device);
    }

    /// <summary>
    /// The latents of a seeded draw of <paramref name="count"/> images: the same seed gives the same images in
    /// `sample` and `evaluate`.
    /// </summary>
    public Tensor Latents(int count, long seed)
    {
        using var rng = new Generator((ulong)seed);
        return randn([count, Spec.Model.Nz], generator: rng);
    }

    /// <summary>Images for <paramref name="latents"/> (any device), in [-1, 1].</summary>
    public Tensor Draw(Tensor latents)
    {
        using var _ = no_grad();
        return Network.forward(latents.to(Device));
    }

    /// <summary>A PNG grid of <paramref name="count"/> images drawn with <paramref name="seed"/>.</summary>
    public byte[] GridPng(int count, long seed)
    {
        using var scope = NewDisposeScope();
        return SampleGrid.Png(Network, Latents(count, seed), Spec, Device);
    }

    public void Dispose() => Network.Dispose();
}
