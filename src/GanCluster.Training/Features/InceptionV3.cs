using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using Kind = GanCluster.Training.Features.InceptionBlock.Kind;
using Pooling = GanCluster.Training.Features.InceptionBlock.Pooling;

namespace GanCluster.Training.Features;

/// <summary>
/// torchvision's Inception3 up to the global average pool ("pool3", 2048 features), with parameter names of its
/// state_dict (Conv2d_1a_3x3.conv.weight, Mixed_5b.branch1x1.bn.running_mean, ...; AuxLogits and fc are not used).
/// <paramref name="fidBlocks"/> selects pytorch-fid's FID variant of the mixed blocks (<see cref="InceptionBlock"/>),
/// which its weights (pt_inception-2015-12-05) need to reproduce TensorFlow's FID network.
/// Input: RGB in [-1, 1] at 299x299 (both torchvision's weights with transform_input and pytorch-fid's expect that).
/// </summary>
public sealed class InceptionV3 : Module<Tensor, Tensor>
{
    public const int FeatureSize = 2048;
    public const int InputSize = 299;

    readonly List<Module<Tensor, Tensor>> _stem = [];
    readonly List<InceptionBlock> _mixed = [];

    public InceptionV3(bool fidBlocks) : base(nameof(InceptionV3))
    {
        FidBlocks = fidBlocks;
        Stem("Conv2d_1a_3x3", new InceptionConv(3, 32, 3, stride: 2));
        Stem("Conv2d_2a_3x3", new InceptionConv(32, 32, 3));
        Stem("Conv2d_2b_3x3", new InceptionConv(32, 64, 3, padding: 1));
        Stem("Conv2d_3b_1x1", new InceptionConv(64, 80, 1));
        Stem("Conv2d_4a_3x3", new InceptionConv(80, 192, 3));
        var average = fidBlocks ? Pooling.FidAverage : Pooling.Torchvision;
        Mixed("Mixed_5b", new InceptionBlock(Kind.A, 192, 32, average));
        Mixed("Mixed_5c", new InceptionBlock(Kind.A, 256, 64, average));
        Mixed("Mixed_5d", new InceptionBlock(Kind.A, 288, 64, average));
        Mixed("Mixed_6a", new InceptionBlock(Kind.B, 288));
        Mixed("Mixed_6b", new InceptionBlock(Kind.C, 768, 128, average));
        Mixed("Mixed_6c", new InceptionBlock(Kind.C, 768, 160, average));
        Mixed("Mixed_6d", new InceptionBlock(Kind.C, 768, 160, average));
        Mixed("Mixed_6e", new InceptionBlock(Kind.C, 768, 192, average));
        Mixed("Mixed_7a", new InceptionBlock(Kind.D, 768));
        Mixed("Mixed_7b", new InceptionBlock(Kind.E, 1280, pooling: average));
        Mixed("Mixed_7c", new InceptionBlock(Kind.E, 2048, pooling: fidBlocks ? Pooling.FidMax : Pooling.Torchvision));
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
    }

    public bool FidBlocks { get; }

    void Stem(string name, InceptionConv conv)
    {
        _stem.Add(conv);
        register_module(name, conv);
    }

    void Mixed(string name, InceptionBlock block)
    {
        _mixed.Add(block);
        register_module(name, block);
    }

    /// <summary>pool3 features [N, 2048] of images already at 299x299 in [-1, 1].</summary>
    public override Tensor forward(Tensor x)
    {
        x = _stem[0].forward(x);
        x = _stem[1].forward(x);
        x = _stem[2].forward(x);
        x = functional.max_pool2d(x, 3, 2);
        x = _stem[3].forward(x);
        x = _stem[4].forward(x);
        x = functional.max_pool2d(x, 3, 2);
        foreach (var block in _mixed) x = block.forward(x);
        return functional.adaptive_avg_pool2d(x, 1).flatten(1);
    }
}
