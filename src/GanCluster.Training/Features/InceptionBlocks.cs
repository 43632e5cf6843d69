using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Features;

/// <summary>
/// The mixed blocks of torchvision's Inception3 (InceptionA-E), with the pooling of either torchvision or the FID
/// reference network: pytorch-fid's FIDInceptionA/C/E_1 average-pool without counting the padding, and its
/// FIDInceptionE_2 (Mixed_7c) max-pools — the TensorFlow graph FID was defined with. Names follow torchvision.
/// </summary>
public sealed class InceptionBlock : Module<Tensor, Tensor>
{
    public enum Kind { A, B, C, D, E }

    /// <summary>How the A/C/E blocks pool their last branch.</summary>
    public enum Pooling { Torchvision, FidAverage, FidMax }

    readonly Kind _kind;
    readonly Pooling _pooling;
    readonly Dictionary<string, InceptionConv> _c = [];

    public InceptionBlock(Kind kind, long inChannels, long extra = 0, Pooling pooling = Pooling.Torchvision) : base($"Inception{kind}")
    {
        _kind = kind;
        _pooling = pooling;
        switch (kind)
        {
            case Kind.A: // extra = pool_features
                Add("branch1x1", new InceptionConv(inChannels, 64, 1));
                Add("branch5x5_1", new InceptionConv(inChannels, 48, 1));
                Add("branch5x5_2", new InceptionConv(48, 64, 5, padding: 2));
                AddDoubleThree(inChannels, 64, 96, 96, stride: 1);
                Add("branch_pool", new InceptionConv(inChannels, extra, 1));
                break;
            case Kind.B:
                Add("branch3x3", new InceptionConv(inChannels, 384, 3, stride: 2));
                AddDoubleThree(inChannels, 64, 96, 96, stride: 2);
                break;
            case Kind.C: // extra = channels_7x7
                Add("branch1x1", new InceptionConv(inChannels, 192, 1));
                Add("branch7x7_1", new InceptionConv(inChannels, extra, 1));
                Add("branch7x7_2", new InceptionConv(extra, extra, (1, 7), padding: (0, 3)));
                Add("branch7x7_3", new InceptionConv(extra, 192, (7, 1), padding: (3, 0)));
                Add("branch7x7dbl_1", new InceptionConv(inChannels, extra, 1));
                Add("branch7x7dbl_2", new InceptionConv(extra, extra, (7, 1), padding: (3, 0)));
                Add("branch7x7dbl_3", new InceptionConv(extra, extra, (1, 7), padding: (0, 3)));
                Add("branch7x7dbl_4", new InceptionConv(extra, extra, (7, 1), padding: (3, 0)));
                Add("branch7x7dbl_5", new InceptionConv(extra, 192, (1, 7), padding: (0, 3)));
                Add("branch_pool", new InceptionConv(inChannels, 192, 1));
                break;
            case Kind.D:
                Add("branch3x3_1", new InceptionConv(inChannels, 192, 1));
                Add("branch3x3_2", new InceptionConv(192, 320, 3, stride: 2));
                Add("branch7x7x3_1", new InceptionConv(inChannels, 192, 1));
                Add("branch7x7x3_2", new InceptionConv(192, 192, (1, 7), padding: (0, 3)));
                Add("branch7x7x3_3", new InceptionConv(192, 192, (7, 1), padding: (3, 0)));
                Add("branch7x7x3_4", new InceptionConv(192, 192, 3, stride: 2));
                break;
            case Kind.E:
                Add("branch1x1", new InceptionConv(inChannels, 320, 1));
                Add("branch3x3_1", new InceptionConv(inChannels, 384, 1));
                Add("branch3x3_2a", new InceptionConv(384, 384, (1, 3), padding: (0, 1)));
                Add("branch3x3_2b", new InceptionConv(384, 384, (3, 1), padding: (1, 0)));
                Add("branch3x3dbl_1", new InceptionConv(inChannels, 448, 1));
                Add("branch3x3dbl_2", new InceptionConv(448, 384, 3, padding: 1));
                Add("branch3x3dbl_3a", new InceptionConv(384, 384, (1, 3), padding: (0, 1)));
                Add("branch3x3dbl_3b", new InceptionConv(384, 384, (3, 1), padding: (1, 0)));
                Add("branch_pool", new InceptionConv(inChannels, 192, 1));
                break;
        }
    }

    void Add(string name, InceptionConv conv)
    {
        _c[name] = conv;
        register_module(name, conv);
    }

    void AddDoubleThree(long inChannels, long a, long b, long c, long stride)
    {
        Add("branch3x3dbl_1", new InceptionConv(inChannels, a, 1));
        Add("branch3x3dbl_2", new InceptionConv(a, b, 3, padding: 1));
        Add("branch3x3dbl_3", new InceptionConv(b, c, 3, stride: stride, padding: stride == 1 ? 1 : 0));
    }

    Tensor Run(string name, Tensor x) => _c[name].forward(x);

    Tensor Chain(Tensor x, params string[] names)
    {
        foreach (var name in names) x = Run(name, x);
        return x;
    }

    Tensor PoolBranch(Tensor x)
    {
        var pooled = _pooling switch
        {
            Pooling.FidMax => functional.max_pool2d(x, 3, 1, 1),
            Pooling.FidAverage => functional.avg_pool2d(x, 3, 1, 1, count_include_pad: false),
            _ => functional.avg_pool2d(x, 3, 1, 1),
        };
        return Run("branch_pool", pooled);
    }

    public override Tensor forward(Tensor x) => _kind switch
    {
        Kind.A => cat([Run("branch1x1", x), Chain(x, "branch5x5_1", "branch5x5_2"),
            Chain(x, "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"), PoolBranch(x)], 1),
        Kind.B => cat([Run("branch3x3", x), Chain(x, "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"),
            functional.max_pool2d(x, 3, 2)], 1),
        Kind.C => cat([Run("branch1x1", x), Chain(x, "branch7x7_1", "branch7x7_2", "branch7x7_3"),
            Chain(x, "branch7x7dbl_1", "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5"), PoolBranch(x)], 1),
        Kind.D => cat([Chain(x, "branch3x3_1", "branch3x3_2"),
            Chain(x, "branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"), functional.max_pool2d(x, 3, 2)], 1),
        _ => ForwardE(x),
    };

    Tensor ForwardE(Tensor x)
    {
        var b3 = Run("branch3x3_1", x);
        var b3dbl = Chain(x, "branch3x3dbl_1", "branch3x3dbl_2");
        return cat([Run("branch1x1", x), cat([Run("branch3x3_2a", b3), Run("branch3x3_2b", b3)], 1),
            cat([Run("branch3x3dbl_3a", b3dbl), Run("branch3x3dbl_3b", b3dbl)], 1), PoolBranch(x)], 1);
    }
}
