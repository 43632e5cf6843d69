using GanCluster.Core.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static GanCluster.Training.Models.Progressive.ProgressiveOps;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models.Progressive;

/// <summary>
/// ProGAN's discriminator, the generator's mirror: a 1x1 fromRGB per resolution, blocks of two 3x3 convs and
/// 2x2 average pooling down to 4x4, then minibatch stddev, a 3x3 conv, a dense layer and a linear output
/// (raw critic value). While a block fades in, its features are lerp(fromRGB_{r/2}(downsample(x)),
/// block_r(fromRGB_r(x)), alpha).
/// </summary>
public sealed class ProgressiveDiscriminator : Module<Tensor, Tensor>, IProgressiveNetwork, IFeatureDiscriminator
{
    readonly Dictionary<int, EqualizedConv2d> _fromRgb = [];
    readonly Dictionary<int, (EqualizedConv2d A, EqualizedConv2d B)> _blocks = [];
    readonly DiscriminatorHead _head;

    public ProgressiveDiscriminator(ModelSpec model, ProgressiveSpec spec) : base(nameof(ProgressiveDiscriminator))
    {
        bool eq = spec.EqualizedLr;
        foreach (int r in ProgressiveShapes.Resolutions(model.Resolution).Reverse())
        {
            long width = ProgressiveShapes.Width(model.Fmaps, r);
            if (r >= spec.StartResolution)
            {
                _fromRgb[r] = new EqualizedConv2d(model.Channels, width, 1, Sqrt2, eq);
                register_module($"fromrgb{r}", _fromRgb[r]);
            }
            if (r > 4)
            {
                long output = ProgressiveShapes.Width(model.Fmaps, r / 2);
                _blocks[r] = (new EqualizedConv2d(width, width, 3, Sqrt2, eq), new EqualizedConv2d(width, output, 3, Sqrt2, eq));
                register_module($"block{r}a", _blocks[r].A);
                register_module($"block{r}b", _blocks[r].B);
            }
        }
        long w4 = ProgressiveShapes.Width(model.Fmaps, 4);
        _head = new DiscriminatorHead(this, w4, w4, spec);
        Stage = ProgressiveStage.Stable(spec.StartResolution);
    }

    public ProgressiveStage Stage { get; set; }

    /// <summary>Submodules are registered by name in the constructor; reflection must not register the fields again.</summary>
    protected override void RegisterComponents() { }

    public long FeatureSize => _head.FeatureSize;

    public override Tensor forward(Tensor images) => _head.Output(Features(images));

    /// <summary>The activations before the output layer: [batch, FeatureSize].</summary>
    public Tensor Features(Tensor images)
    {
        var stage = Stage;
        var x = LeakyRelu(_fromRgb[stage.Resolution].forward(images));
        for (int r = stage.Resolution; r > 4; r /= 2)
        {
            var (a, b) = _blocks[r];
            x = Downsample(LeakyRelu(b.forward(LeakyRelu(a.forward(x)))));
            if (r == stage.Resolution && stage.Fading)
                x = Lerp(LeakyRelu(_fromRgb[r / 2].forward(Downsample(images))), x, stage.Alpha);
        }
        return _head.Features(x);
    }

    public IReadOnlyList<Parameter> ActiveParameters()
    {
        var stage = Stage;
        var modules = new List<Module> { _fromRgb[stage.Resolution] };
        if (stage.Fading) modules.Add(_fromRgb[stage.Resolution / 2]);
        for (int r = stage.Resolution; r > 4; r /= 2) modules.AddRange([_blocks[r].A, _blocks[r].B]);
        modules.AddRange(_head.Modules);
        return modules.SelectMany(m => m.parameters()).ToList();
    }
}
