using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Style;

/// <summary>
/// The extractor used when no pretrained weights are given: one layer of random convolution filters + ReLU,
/// applied to an image pyramid (full size, 1/2, 1/4, ...). Ustyuzhaninov et al. (2016, "Texture synthesis
/// using shallow convolutional networks with random filters") showed that Gram matrices of such untrained,
/// multi-scale filters already capture textures; the pyramid gives large receptive fields cheaply (a 5x5
/// filter at 1/16 scale sees 80 px). Content is matched at a coarse level, so layout is kept and the fine
/// scales are free to take the style's texture. Limits: no learned notion of objects, so content is kept
/// as colour blobs and edges rather than recognisable parts, and style transfer is texture/colour transfer.
/// Seeded and deterministic: the same seed gives the same filters.
/// </summary>
public sealed class RandomMultiScaleFeatures : IStyleFeatureExtractor
{
    readonly List<Tensor> _filters = [];
    readonly List<Tensor> _biases = [];

    /// <param name="device">Where the filters live (drawn on the CPU, so the same seed gives the same filters anywhere).</param>
    public RandomMultiScaleFeatures(long seed = 0, int scales = 5, int channels = 64, int kernel = 5, int contentScale = 2, Device? device = null)
    {
        if (scales < 1 || contentScale < 0) throw new ArgumentOutOfRangeException(nameof(scales), "need at least one scale and a content scale >= 0");
        if (kernel % 2 == 0) throw new ArgumentOutOfRangeException(nameof(kernel), "must be odd (same-size output)");
        Scales = scales;
        Channels = channels;
        Kernel = kernel;
        ContentScale = Math.Min(contentScale, scales - 1);
        Seed = seed;
        using var rng = new Generator((ulong)seed);
        double std = 1.0 / Math.Sqrt(3 * kernel * kernel);
        for (int s = 0; s < scales; s++)
        {
            // Tensors that outlive any caller's DisposeScope: this object owns them (Dispose).
            _filters.Add((randn(new long[] { channels, 3, kernel, kernel }, generator: rng) * std).to(device ?? CPU).DetachFromDisposeScope());
            _biases.Add((randn(new long[] { channels }, generator: rng) * 0.1).to(device ?? CPU).DetachFromDisposeScope());
        }
        Settings = $"seed {seed}, {scales} scales x {channels} random {kernel}x{kernel} filters";
    }

    public int Scales { get; }
    public int Channels { get; }
    public int Kernel { get; }
    public int ContentScale { get; }
    public long Seed { get; }

    /// <summary>The seed and sizes, e.g. "seed 0, 5 scales x 128 random 5x5 filters".</summary>
    public string Settings { get; }

    public string Description => $"{Name} ({Settings}; untrained: transfers texture and colour, not learned object features)";

    public const string Name = "random multi-scale CNN";

    /// <summary>
    /// Chosen on the docs example: at style 1e3 the optimum stays visually the content image, at 1e4 the texture
    /// is faint, at 1e5 it shows while the content stays legible; TV is kept small because at 1 it penalised the
    /// style's high-frequency texture more than the style loss rewarded it.
    /// </summary>
    public StyleWeights DefaultWeights { get; } = new(1, 1e5, 0.01);

    public StyleFeatures Extract(Tensor image)
    {
        var x = image * 2 - 1; // centre on zero so that the random filters' ReLUs split roughly evenly
        var content = new List<Tensor>();
        var style = new List<Tensor>();
        for (int s = 0; s < Scales; s++)
        {
            if (s > 0) x = avg_pool2d(x, 2);
            if (Math.Min(x.shape[2], x.shape[3]) <= Kernel / 2) break; // small images have fewer levels (reflect padding needs room)
            var padded = pad(x, [Kernel / 2, Kernel / 2, Kernel / 2, Kernel / 2], PaddingModes.Reflect);
            var f = relu(conv2d(padded, _filters[s], _biases[s]));
            style.Add(f);
            if (s == ContentScale) content.Add(f);
        }
        if (content.Count == 0) content.Add(style[^1]);
        return new StyleFeatures(content, style);
    }

    public void Dispose()
    {
        foreach (var t in _filters.Concat(_biases)) t.Dispose();
        _filters.Clear();
        _biases.Clear();
    }
}
