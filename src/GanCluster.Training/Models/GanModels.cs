using GanCluster.Core.Spec;
using GanCluster.Training.Models.Progressive;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Models;

/// <summary>Builds the generator and discriminator a run spec asks for, initialised from the run's seed.</summary>
public static class GanModels
{
    public static (nn.Module<Tensor, Tensor> G, nn.Module<Tensor, Tensor> D) Create(RunSpec spec, Device device)
    {
        nn.Module<Tensor, Tensor> g, d;
        // Every rank seeds the same generator, so replicas start bit-identical (checked by hash at step 0).
        using var rng = new Generator((ulong)spec.Seed);
        switch (spec.Model.Arch)
        {
            case ModelArch.Dcgan:
                g = new DcganGenerator(spec.Model);
                d = new DcganDiscriminator(spec.Model, spec.Regularization.SpectralNorm);
                WeightInit.Dcgan(g, rng);
                WeightInit.Dcgan(d, rng);
                break;
            case ModelArch.Progressive:
                var p = spec.Progressive ?? new ProgressiveSpec();
                g = new ProgressiveGenerator(spec.Model, p);
                d = new ProgressiveDiscriminator(spec.Model, p);
                ProgressiveInit.Apply(g, rng);
                ProgressiveInit.Apply(d, rng);
                break;
            default:
                throw new NotSupportedException($"model.arch {spec.Model.Arch} is not available in this build");
        }
        g.to(device);
        d.to(device);
        return (g, d);
    }

    public static nn.Module<Tensor, Tensor> CreateGenerator(RunSpec spec, Device device) => Create(spec, device).G;
}
