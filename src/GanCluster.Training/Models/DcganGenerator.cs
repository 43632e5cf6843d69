using GanCluster.Core.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models;

/// <summary>
/// The DCGAN generator (pytorch/examples dcgan), for any power-of-two resolution: a transposed conv from the
/// latent to 4x4, then one stride-2 transposed conv per doubling, halving the width each time down to ngf,
/// and a last one to the image channels with tanh. Widths are capped at 8*ngf for resolutions above 64.
/// </summary>
public sealed class DcganGenerator : Module<Tensor, Tensor>
{
    readonly Sequential _main;

    public DcganGenerator(ModelSpec spec) : base(nameof(DcganGenerator))
    {
        Nz = spec.Nz;
        int stages = DcganShapes.Stages(spec.Resolution); // doublings from 4x4 to the output size
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long width = DcganShapes.Width(spec.Ngf, stages - 1);
        layers.Add(("convt0", ConvTranspose2d(spec.Nz, width, 4, 1, 0, bias: false)));
        AddNormAndActivation(layers, 0, width, spec.Norm);
        for (int i = 1; i < stages; i++)
        {
            long next = DcganShapes.Width(spec.Ngf, stages - 1 - i);
            layers.Add(($"convt{i}", ConvTranspose2d(width, next, 4, 2, 1, bias: false)));
            AddNormAndActivation(layers, i, next, spec.Norm);
            width = next;
        }
        layers.Add(($"convt{stages}", ConvTranspose2d(width, spec.Channels, 4, 2, 1, bias: false)));
        layers.Add(("tanh", Tanh()));
        _main = Sequential(layers);
        RegisterComponents();
    }

    public int Nz { get; }

    static void AddNormAndActivation(List<(string, Module<Tensor, Tensor>)> layers, int i, long width, NormKind norm)
    {
        if (norm == NormKind.Batch) layers.Add(($"bn{i}", new SafeBatchNorm2d(width)));
        layers.Add(($"relu{i}", ReLU()));
    }

    /// <summary>z: [batch, nz] or [batch, nz, 1, 1]; returns images in [-1, 1].</summary>
    public override Tensor forward(Tensor z) => _main.forward(z.dim() == 2 ? z.view(z.shape[0], z.shape[1], 1, 1) : z);
}
