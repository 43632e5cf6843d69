using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Models;

/// <summary>
/// DCGAN initialisation: conv weights N(0, 0.02), BatchNorm weights N(1, 0.02), biases 0, drawn from the given
/// seeded generator. (TorchSharp 0.107's nn.init.normal_ ignores its generator argument and draws from the
/// unseeded global RNG, so replicas would start different; Tensor.normal_ honours it.)
/// </summary>
public static class WeightInit
{
    public static void Dcgan(nn.Module module, Generator generator)
    {
        using var _ = no_grad();
        foreach (var (_, m) in module.named_modules())
        {
            switch (m)
            {
                case Conv2d or ConvTranspose2d:
                    foreach (var (name, p) in m.named_parameters(recurse: false))
                    {
                        if (name == "weight") p.normal_(0.0, 0.02, generator);
                        else nn.init.zeros_(p);
                    }
                    break;
                case SafeBatchNorm2d or BatchNorm2d:
                    foreach (var (name, p) in m.named_parameters(recurse: false))
                    {
                        if (name == "weight") p.normal_(1.0, 0.02, generator);
                        else nn.init.zeros_(p);
                    }
                    break;
            }
        }
    }
}
