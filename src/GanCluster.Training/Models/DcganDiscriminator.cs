using GanCluster.Core.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models;

/// <summary>
/// The DCGAN discriminator: stride-2 convs with LeakyReLU(0.2) from the image down to 4x4 (no norm on the
/// first), then a 4x4 conv to one logit. Returns raw logits: each loss applies its own link function.
/// </summary>
public sealed class DcganDiscriminator : Module<Tensor, Tensor>, IFeatureDiscriminator
{
    readonly Sequential _features;
    readonly Conv2d _head;

    public DcganDiscriminator(ModelSpec spec) : base(nameof(DcganDiscriminator))
    {
        int stages = DcganShapes.Stages(spec.Resolution);
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long width = DcganShapes.Width(spec.Ndf, 0);
        layers.Add(("conv0", Conv2d(spec.Channels, width, 4, 2, 1, bias: false)));
        layers.Add(("lrelu0", new SafeLeakyReLU(0.2)));
        for (int i = 1; i < stages; i++)
        {
            long next = DcganShapes.Width(spec.Ndf, i);
            layers.Add(($"conv{i}", Conv2d(width, next, 4, 2, 1, bias: false)));
            if (spec.Norm == NormKind.Batch) layers.Add(($"bn{i}", new SafeBatchNorm2d(next)));
            layers.Add(($"lrelu{i}", new SafeLeakyReLU(0.2)));
            width = next;
        }
        _features = Sequential(layers);
        _head = Conv2d(width, 1, 4, 1, 0, bias: false);
        FeatureSize = width * 16;
        RegisterComponents();
    }

    public long FeatureSize { get; }

    public override Tensor forward(Tensor images) => _head.forward(_features.forward(images)).view(-1);

    /// <summary>The penultimate activations, flattened: [batch, FeatureSize].</summary>
    public Tensor Features(Tensor images) => _features.forward(images).flatten(1);
}
