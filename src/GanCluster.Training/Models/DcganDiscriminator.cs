using GanCluster.Core.Spec;
using GanCluster.Training.Regularization;
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
    readonly Module<Tensor, Tensor> _head;

    /// <param name="spectralNorm">every conv's weight divided by its spectral norm (regularization.spectral_norm)</param>
    public DcganDiscriminator(ModelSpec spec, bool spectralNorm = false) : base(nameof(DcganDiscriminator))
    {
        int stages = DcganShapes.Stages(spec.Resolution);
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long width = DcganShapes.Width(spec.Ndf, 0);
        layers.Add(("conv0", Conv(spec.Channels, width, 4, 2, 1, spectralNorm)));
        layers.Add(("lrelu0", new SafeLeakyReLU(0.2)));
        for (int i = 1; i < stages; i++)
        {
            long next = DcganShapes.Width(spec.Ndf, i);
            layers.Add(($"conv{i}", Conv(width, next, 4, 2, 1, spectralNorm)));
            if (spec.Norm == NormKind.Batch) layers.Add(($"bn{i}", new SafeBatchNorm2d(next)));
            layers.Add(($"lrelu{i}", new SafeLeakyReLU(0.2)));
            width = next;
        }
        _features = Sequential(layers);
        _head = Conv(width, 1, 4, 1, 0, spectralNorm);
        FeatureSize = width * 16;
        RegisterComponents();
    }

    static Module<Tensor, Tensor> Conv(long input, long output, long kernel, long stride, long padding, bool spectralNorm) => spectralNorm
        ? new SpectralNormConv2d(input, output, kernel, stride, padding)
        : Conv2d(input, output, kernel, stride, padding, bias: false);

    public long FeatureSize { get; }

    public override Tensor forward(Tensor images) => _head.forward(_features.forward(images)).view(-1);

    /// <summary>The penultimate activations, flattened: [batch, FeatureSize].</summary>
    public Tensor Features(Tensor images) => _features.forward(images).flatten(1);
}
