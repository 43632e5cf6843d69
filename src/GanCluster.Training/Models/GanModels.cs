using GanCluster.Core.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Models;

/// <summary>Builds the generator and discriminator a run spec asks for, initialised from the run's seed.</summary>
public static class GanModels
{
    public static (nn.Module<Tensor, Tensor> G, nn.Module<Tensor, Tensor> D) Create(RunSpec spec, Device device)
    {
        if (spec.Model.Arch != ModelArch.Dcgan)
            throw new NotSupportedException($"model.arch {spec.Model.Arch} is not available in this build");
        var g = new DcganGenerator(spec.Model);
        var d = new DcganDiscriminator(spec.Model);
        // Every rank seeds the same generator, so replicas start bit-identical (checked by hash at step 0).
        using var rng = new Generator((ulong)spec.Seed);
        WeightInit.Dcgan(g, rng);
        WeightInit.Dcgan(d, rng);
        g.to(device);
        d.to(device);
        return (g, d);
    }

    public static nn.Module<Tensor, Tensor> CreateGenerator(RunSpec spec, Device device) => Create(spec, device).G;
}
