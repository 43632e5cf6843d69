using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Models.Progressive;

/// <summary>
/// Initialises every equalized layer of a network in registration order from one seeded generator, so every
/// replica (and a resumed process) builds bit-identical blocks for all resolutions before training starts;
/// a block that fades in later starts from exactly those weights on every rank.
/// </summary>
public static class ProgressiveInit
{
    public static void Apply(nn.Module module, Generator generator)
    {
        using var _ = no_grad();
        var all = module.named_modules().Select(m => m.module).Prepend(module).Distinct(ReferenceEqualityComparer.Instance);
        foreach (var m in all)
            if (m is IEqualizedLayer layer)
                layer.Weight.normal_(0.0, layer.Equalized ? 1.0 : layer.HeStd, generator); // not nn.init.normal_: it ignores the generator
    }
}
