using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Models;

/// <summary>
/// DCGAN initialisation: conv weights N(0, 0.02), BatchNorm weights N(1, 0.02), biases 0. Draws come from the
/// given generator through randn (TorchSharp 0.107's nn.init.normal_ ignores its generator argument, which
/// would make replicas start from different weights).
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
                        if (name == "weight") Normal(p, 0.0, 0.02, generator);
                        else nn.init.zeros_(p);
                    }
                    break;
                case BatchNorm2d:
                    foreach (var (name, p) in m.named_parameters(recurse: false))
                    {
                        if (name == "weight") Normal(p, 1.0, 0.02, generator);
                        else nn.init.zeros_(p);
                    }
                    break;
            }
        }
    }

    public static void Normal(Tensor parameter, double mean, double std, Generator generator)
    {
        using var _ = no_grad();
        using var draw = randn(parameter.shape, generator: generator);
        parameter.copy_(draw.mul_(std).add_(mean));
    }
}
