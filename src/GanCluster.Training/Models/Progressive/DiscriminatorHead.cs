using GanCluster.Core.Spec;
using TorchSharp;
using static GanCluster.Training.Models.Progressive.ProgressiveOps;
using static TorchSharp.torch;

namespace GanCluster.Training.Models.Progressive;

/// <summary>
/// ProGAN's discriminator head at 4x4 (Karras et al. 2018, table 2), shared by the progressive and MSG discriminators:
/// minibatch stddev (optional), a 3x3 conv, a dense layer and a linear output (the raw critic value). Its layers are
/// registered on the owning network as conv4, dense4 and out, so checkpoints name them as before.
/// </summary>
public sealed class DiscriminatorHead
{
    readonly EqualizedConv2d _conv4;
    readonly EqualizedLinear _dense4;
    readonly EqualizedLinear _out;
    readonly bool _stddev;
    readonly int _group;

    /// <param name="inputWidth">feature maps reaching 4x4 (before the stddev map)</param>
    /// <param name="width">the head's width (the 4x4 block's)</param>
    public DiscriminatorHead(nn.Module owner, long inputWidth, long width, ProGanLayersSpec layers)
    {
        bool eq = layers.EqualizedLr;
        (_stddev, _group) = (layers.MinibatchStddev, layers.MinibatchGroup);
        _conv4 = new EqualizedConv2d(inputWidth + (_stddev ? 1 : 0), width, 3, Sqrt2, eq);
        _dense4 = new EqualizedLinear(width * 16, width, Sqrt2, eq);
        _out = new EqualizedLinear(width, 1, 1.0, eq);
        owner.register_module("conv4", _conv4);
        owner.register_module("dense4", _dense4);
        owner.register_module("out", _out);
        FeatureSize = width;
    }

    public long FeatureSize { get; }

    /// <summary>The layers, in order (all trained whatever the stage).</summary>
    public IEnumerable<nn.Module> Modules => [_conv4, _dense4, _out];

    /// <summary>4x4 feature maps to the activations before the output layer: [batch, FeatureSize].</summary>
    public Tensor Features(Tensor x)
    {
        if (_stddev) x = MinibatchStddev(x, _group);
        x = LeakyRelu(_conv4.forward(x));
        return LeakyRelu(_dense4.forward(x.flatten(1)));
    }

    /// <summary>The critic value per image: [batch].</summary>
    public Tensor Output(Tensor features) => _out.forward(features).view(-1);
}
