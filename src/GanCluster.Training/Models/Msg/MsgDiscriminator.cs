using GanCluster.Core.Spec;
using GanCluster.Training.Models.Progressive;
using TorchSharp;
using TorchSharp.Modules;
using static GanCluster.Training.Models.Progressive.ProgressiveOps;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models.Msg;

/// <summary>
/// MSG-GAN's discriminator (Karnewar and Wang 2020, figure 2): ProGAN's discriminator at its last stage, whose every
/// block below the final resolution also reads the image at its scale, joined to the features there by the combine
/// function (msg.combine): "simple" concatenates the image's channels, "lin_cat" a linear 1x1 conv of it (half the
/// block's width). The final scale enters through fromRGB; the 4x4 head is ProGAN's (minibatch stddev, 3x3 conv,
/// dense, linear output). Takes a packed pyramid (<see cref="ScalePyramid"/>: G's scales, or reals packed by the
/// trainer) or a plain image, which it downsamples to every scale itself.
/// </summary>
public sealed class MsgDiscriminator : Module<Tensor, Tensor>, IFeatureDiscriminator
{
    readonly int _resolution;
    readonly EqualizedConv2d _fromRgb;
    readonly Dictionary<int, EqualizedConv2d> _linCat = [];
    readonly Dictionary<int, (EqualizedConv2d A, EqualizedConv2d B)> _blocks = [];
    readonly DiscriminatorHead _head;

    public MsgDiscriminator(ModelSpec model, MsgSpec spec) : base(nameof(MsgDiscriminator))
    {
        bool eq = spec.EqualizedLr;
        _resolution = model.Resolution;
        _fromRgb = new EqualizedConv2d(model.Channels, ProgressiveShapes.Width(model.Fmaps, _resolution), 1, Sqrt2, eq);
        register_module($"fromrgb{_resolution}", _fromRgb);
        long headInput = 0;
        foreach (int r in ProgressiveShapes.Resolutions(_resolution).Reverse())
        {
            long width = ProgressiveShapes.Width(model.Fmaps, r);
            long input = width;
            if (r < _resolution && spec.Combine == MsgCombine.LinCat)
            {
                _linCat[r] = new EqualizedConv2d(model.Channels, Math.Max(1, width / 2), 1, 1.0, eq);
                register_module($"lincat{r}", _linCat[r]);
                input += _linCat[r].Weight.shape[0];
            }
            else if (r < _resolution) input += model.Channels;
            if (r > 4)
            {
                _blocks[r] = (new EqualizedConv2d(input, width, 3, Sqrt2, eq), new EqualizedConv2d(width, ProgressiveShapes.Width(model.Fmaps, r / 2), 3, Sqrt2, eq));
                register_module($"block{r}a", _blocks[r].A);
                register_module($"block{r}b", _blocks[r].B);
            }
            else headInput = input;
        }
        _head = new DiscriminatorHead(this, headInput, ProgressiveShapes.Width(model.Fmaps, 4), spec);
    }

    /// <summary>Submodules are registered by name in the constructor; reflection must not register the fields again.</summary>
    protected override void RegisterComponents() { }

    public long FeatureSize => _head.FeatureSize;

    public override Tensor forward(Tensor images) => _head.Output(Features(images));

    /// <summary>The activations before the output layer: [batch, FeatureSize].</summary>
    public Tensor Features(Tensor images)
    {
        if (images.shape[2] != _resolution)
            throw new ArgumentException($"the discriminator reads {_resolution}x{_resolution} images (or their packed scales), not {images.shape[2]} rows");
        var scales = ScalePyramid.ScalesOf(images);
        int i = scales.Count - 1;
        var x = LeakyRelu(_fromRgb.forward(scales[i]));
        for (int r = _resolution; ; r /= 2, i--)
        {
            if (r < _resolution) x = cat([x, Combine(r, scales[i])], 1);
            if (r == 4) break;
            var (a, b) = _blocks[r];
            x = Downsample(LeakyRelu(b.forward(LeakyRelu(a.forward(x)))));
        }
        return _head.Features(x);
    }

    Tensor Combine(int resolution, Tensor image) => _linCat.TryGetValue(resolution, out var conv) ? conv.forward(image) : image;
}
