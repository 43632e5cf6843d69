using GanCluster.Training.Features;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Features;

/// <summary>
/// The TorchSharp ResNet18 with the weights read from the shipped ResNet18.onnx against ONNX Runtime 1.32 running the
/// shipped graphs themselves (preprocessing graph, then the network: its own asymmetric padding, its own BatchNorm):
/// an independent implementation of the same computation.
/// </summary>
public class ResNet18OnnxTests
{
    [Fact]
    public void Features_match_onnx_runtime_on_the_shipped_graphs()
    {
        using var scope = NewDisposeScope();
        using var network = new ResNet18Features();
        using var rng = new Generator(3);
        var images = rand([2, 3, 224, 224], generator: rng) * 2 - 1; // [-1, 1], as the run's data
        var ours = network.Embed(images);

        // ONNX Runtime, one image at a time (the graphs have a batch of 1): the preprocessing graph takes RGB pixels 0..255.
        var expected = new List<float>();
        for (int i = 0; i < 2; i++)
        {
            var pixels = ((images[i] + 1) * 127.5).contiguous().data<float>().ToArray();
            float[] preprocessed = RunSingle(ResNet18Onnx.PreprocessFile, pixels, [1, 3, 224, 224]);
            expected.AddRange(RunSingle(ResNet18Onnx.ModelFile, preprocessed, [1, 3, 224, 224]));
        }

        Assert.Equal([2L, 512], ours.shape);
        Assert.Equal(2 * 512, expected.Count);
        var reference = tensor(expected.ToArray(), [2, 512]);
        double scale = reference.abs().max().item<float>();
        double error = (ours - reference).abs().max().item<float>();
        Assert.True(scale > 0.1, $"reference features are ~0 (scale {scale})");
        Assert.True(error < 1e-4 * scale, $"max |difference| {error} against a feature scale of {scale}");
        // Two different images give different features (the comparison is not trivially of constants).
        Assert.True((reference[0] - reference[1]).abs().max().item<float>() > 1e-3 * scale);
    }

    [Fact]
    public void Gradients_flow_to_the_input_so_style_transfer_can_optimise_through_it()
    {
        using var scope = NewDisposeScope();
        using var network = new ResNet18Features();
        var image = rand([1, 3, 64, 64]).requires_grad_(true);
        var stages = network.Model.Stages(network.Normalise(image, fromUnitRange: true), 3);
        stages[^1].square().mean().backward();
        Assert.NotNull(image.grad);
        Assert.True(image.grad!.abs().sum().item<float>() > 0);
        Assert.All(network.Model.parameters(), p => Assert.False(p.requires_grad));
    }

    static float[] RunSingle(string file, float[] input, int[] shape)
    {
        using var session = new InferenceSession(ResNet18Onnx.ShippedPath(file));
        string inputName = session.InputMetadata.Keys.Single();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(input, shape))]);
        return results.Single().AsEnumerable<float>().ToArray();
    }
}
