using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Collapse;

/// <summary>
/// The small MNIST classifier the collapse measures use (~90k parameters, ~350 kB): three 3x3 conv + ReLU +
/// 2x2 max-pool stages (32 -> 16 -> 8 -> 4 pixels, 16/32/64 channels), a 64-unit hidden layer (the
/// <see cref="Features"/> embedding) and 10 logits. Input: [batch, 1, 32, 32] in [-1, 1], as the run's data.
/// </summary>
public sealed class MnistClassifier : Module<Tensor, Tensor>
{
    public const int InputResolution = 32;
    public const int Classes = 10;
    public const int FeatureSize = 64;

    readonly Conv2d _conv1, _conv2, _conv3;
    readonly Linear _hidden, _output;
    readonly Dropout _dropout;

    public MnistClassifier() : base(nameof(MnistClassifier))
    {
        _conv1 = Conv2d(1, 16, 3, padding: 1);
        _conv2 = Conv2d(16, 32, 3, padding: 1);
        _conv3 = Conv2d(32, 64, 3, padding: 1);
        _hidden = Linear(64 * 4 * 4, FeatureSize);
        _dropout = Dropout(0.3);
        _output = Linear(FeatureSize, Classes);
        RegisterComponents();
    }

    /// <summary>Logits [batch, 10].</summary>
    public override Tensor forward(Tensor images) => _output.forward(_dropout.forward(Features(images)));

    /// <summary>The penultimate activations [batch, 64] (after ReLU).</summary>
    public Tensor Features(Tensor images)
    {
        var x = functional.max_pool2d(functional.relu(_conv1.forward(images)), 2);
        x = functional.max_pool2d(functional.relu(_conv2.forward(x)), 2);
        x = functional.max_pool2d(functional.relu(_conv3.forward(x)), 2);
        return functional.relu(_hidden.forward(x.flatten(1)));
    }

    /// <summary>Logits [batch, 10] from <see cref="Features"/> (what <see cref="forward"/> computes, without dropout).</summary>
    public Tensor Classify(Tensor features) => _output.forward(features);

    /// <summary>Loads weights written by `gancluster classifier train`; throws <see cref="InvalidDataException"/> otherwise.</summary>
    public static MnistClassifier Load(string path, Device? device = null)
    {
        var model = new MnistClassifier();
        try
        {
            model.load(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            model.Dispose();
            throw new InvalidDataException($"'{path}' is not a classifier written by `gancluster classifier train` ({e.Message.Split('\n')[0]})", e);
        }
        model.eval();
        if (device != null) model.to(device);
        return model;
    }
}
