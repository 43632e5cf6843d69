using GanCluster.Core.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static GanCluster.Training.Models.Progressive.ProgressiveOps;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models.Progressive;

/// <summary>
/// ProGAN's generator. The latent (pixel-normalised) goes through a dense layer to 4x4 and a 3x3 conv; each
/// further block doubles the resolution (nearest upsampling, two 3x3 convs); every conv is followed by
/// LeakyReLU(0.2) and pixelwise normalisation. A 1x1 toRGB per resolution maps features to an image (linear).
/// While a block fades in, the output is lerp(upsample(toRGB_{r/2}(h)), toRGB_r(block_r(h)), alpha).
/// Blocks for every resolution up to model.resolution exist (and are initialised) from the start. MSG-GAN's generator
/// is this network at its last stage with every toRGB an output (<see cref="Scales"/>).
/// </summary>
public sealed class ProgressiveGenerator : Module<Tensor, Tensor>, IProgressiveNetwork
{
    readonly EqualizedLinear _dense;
    readonly EqualizedConv2d _conv4;
    readonly Dictionary<int, (EqualizedConv2d A, EqualizedConv2d B)> _blocks = [];
    readonly Dictionary<int, EqualizedConv2d> _toRgb = [];
    readonly bool _pixelNorm;
    readonly long _width4;

    public ProgressiveGenerator(ModelSpec model, ProgressiveSpec spec) : this(model, spec, spec.StartResolution)
    {
    }

    /// <param name="startResolution">the smallest resolution with a toRGB (and the first stage)</param>
    public ProgressiveGenerator(ModelSpec model, ProGanLayersSpec layers, int startResolution) : base(nameof(ProgressiveGenerator))
    {
        Nz = model.Nz;
        _pixelNorm = layers.PixelNorm;
        bool eq = layers.EqualizedLr;
        _width4 = ProgressiveShapes.Width(model.Fmaps, 4);
        _dense = new EqualizedLinear(model.Nz, _width4 * 16, Sqrt2 / 4, eq); // ProGAN's gain for the latent-to-4x4 layer
        _conv4 = new EqualizedConv2d(_width4, _width4, 3, Sqrt2, eq);
        register_module("dense4", _dense);
        register_module("conv4", _conv4);
        foreach (int r in ProgressiveShapes.Resolutions(model.Resolution))
        {
            long width = ProgressiveShapes.Width(model.Fmaps, r);
            if (r > 4)
            {
                long input = ProgressiveShapes.Width(model.Fmaps, r / 2);
                _blocks[r] = (new EqualizedConv2d(input, width, 3, Sqrt2, eq), new EqualizedConv2d(width, width, 3, Sqrt2, eq));
                register_module($"block{r}a", _blocks[r].A);
                register_module($"block{r}b", _blocks[r].B);
            }
            if (r >= startResolution)
            {
                _toRgb[r] = new EqualizedConv2d(width, model.Channels, 1, 1.0, eq);
                register_module($"torgb{r}", _toRgb[r]);
            }
        }
        Stage = ProgressiveStage.Stable(startResolution);
    }

    public int Nz { get; }

    public ProgressiveStage Stage { get; set; }

    /// <summary>Submodules are registered by name in the constructor; reflection must not register the fields again.</summary>
    protected override void RegisterComponents() { }

    Tensor Act(Tensor x) => _pixelNorm ? PixelNorm(LeakyRelu(x)) : LeakyRelu(x);

    /// <summary>z: [batch, nz]; returns images [batch, channels, stage resolution, stage resolution].</summary>
    public override Tensor forward(Tensor z)
    {
        var stage = Stage;
        var x = Features4(z);
        Tensor? previous = null;
        for (int r = 8; r <= stage.Resolution; r *= 2)
        {
            if (r == stage.Resolution && stage.Fading) previous = _toRgb[r / 2].forward(x);
            x = Block(r, x);
        }
        var image = _toRgb[stage.Resolution].forward(x);
        return previous is null ? image : Lerp(Upsample(previous), image, stage.Alpha);
    }

    /// <summary>
    /// MSG-GAN's outputs: the image of every resolution that has a toRGB, up to the stage's, smallest first (the
    /// stage's blend is not applied: MSG trains all scales at once and never fades).
    /// </summary>
    public IReadOnlyList<Tensor> Scales(Tensor z)
    {
        var images = new List<Tensor>();
        var x = Features4(z);
        for (int r = 4; r <= Stage.Resolution; r *= 2)
        {
            if (r > 4) x = Block(r, x);
            if (_toRgb.TryGetValue(r, out var toRgb)) images.Add(toRgb.forward(x));
        }
        return images;
    }

    /// <summary>The latent (pixel-normalised) through the dense layer and the 4x4 conv.</summary>
    Tensor Features4(Tensor z)
    {
        if (z.dim() == 4) z = z.flatten(1);
        var x = _pixelNorm ? PixelNorm(z) : z;
        x = Act(_dense.forward(x).view(-1, _width4, 4, 4));
        return Act(_conv4.forward(x));
    }

    /// <summary>The block of resolution <paramref name="r"/>: upsample, two 3x3 convs.</summary>
    Tensor Block(int r, Tensor x)
    {
        var (a, b) = _blocks[r];
        return Act(b.forward(Act(a.forward(Upsample(x)))));
    }

    public IReadOnlyList<Parameter> ActiveParameters()
    {
        var stage = Stage;
        var modules = new List<Module> { _dense, _conv4 };
        for (int r = 8; r <= stage.Resolution; r *= 2) modules.AddRange([_blocks[r].A, _blocks[r].B]);
        if (stage.Fading) modules.Add(_toRgb[stage.Resolution / 2]);
        modules.Add(_toRgb[stage.Resolution]);
        return modules.SelectMany(m => m.parameters()).ToList();
    }
}
