using GanCluster.Core.Spec;
using GanCluster.Training.Models.Msg;
using GanCluster.Training.Models.Progressive;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Models;

/// <summary>Builds the generator and discriminator a run spec asks for, initialised from the run's seed.</summary>
public static class GanModels
{
    public static (nn.Module<Tensor, Tensor> G, nn.Module<Tensor, Tensor> D) Create(RunSpec spec, Device device)
    {
        // Every rank seeds the same generator, so replicas start bit-identical (checked by hash at step 0).
        using var rng = new Generator((ulong)spec.Seed);
        var (g, d) = spec.Model.Arch switch
        {
            ModelArch.Dcgan => ((nn.Module<Tensor, Tensor>)new DcganGenerator(spec.Model), (nn.Module<Tensor, Tensor>)new DcganDiscriminator(spec.Model, spec.Regularization.SpectralNorm)),
            ModelArch.Progressive => (new ProgressiveGenerator(spec.Model, spec.Progressive ?? new ProgressiveSpec()),
                new ProgressiveDiscriminator(spec.Model, spec.Progressive ?? new ProgressiveSpec())),
            ModelArch.Msg => (new MsgGenerator(spec.Model, spec.Msg ?? new MsgSpec()), new MsgDiscriminator(spec.Model, spec.Msg ?? new MsgSpec())),
            _ => throw new NotSupportedException($"model.arch {spec.Model.Arch} is not available in this build"),
        };
        // DCGAN's N(0, 0.02); the progressive and MSG networks' equalized layers (they are built from the same ones).
        Action<nn.Module, Generator> init = spec.Model.Arch == ModelArch.Dcgan ? WeightInit.Dcgan : ProgressiveInit.Apply;
        init(g, rng);
        init(d, rng);
        g.to(device);
        d.to(device);
        return (g, d);
    }

    public static nn.Module<Tensor, Tensor> CreateGenerator(RunSpec spec, Device device) => Create(spec, device).G;
}
