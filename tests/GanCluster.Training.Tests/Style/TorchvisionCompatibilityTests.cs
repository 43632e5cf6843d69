using System.Text.RegularExpressions;
using GanCluster.Training.Style;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Style;

/// <summary>
/// Against files written by real PyTorch 1.13 / torchvision 0.14 (Style/Fixtures/make_vgg19_fixtures.py):
/// torch.save's format loads, the key layout is torchvision's, and the forward pass gives torchvision's numbers.
/// </summary>
public class TorchvisionCompatibilityTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Style", "Fixtures", name);

    [Fact]
    public void Activations_match_torchvisions_for_the_same_weights_and_input()
    {
        using var scope = NewDisposeScope();
        var reference = StateDictFile.Read(Fixture("vgg19-tiny-reference.pth"));
        using var model = new Vgg19Features(widthDivisor: 32);
        Vgg19Weights.Load(model, Fixture("vgg19-tiny.pth"));
        var features = model.Extract(reference["input"]);
        for (int i = 0; i < Vgg19Features.StyleLayerNames.Length; i++)
            AssertClose(reference[Vgg19Features.StyleLayerNames[i]], features.Style[i], Vgg19Features.StyleLayerNames[i]);
        AssertClose(reference["relu4_2"], features.Content[0], "relu4_2");
    }

    [Fact]
    public void The_safetensors_copy_loads_the_same_weights()
    {
        using var fromPth = new Vgg19Features(widthDivisor: 32);
        using var fromSafetensors = new Vgg19Features(widthDivisor: 32);
        Vgg19Weights.Load(fromPth, Fixture("vgg19-tiny.pth"));
        Vgg19Weights.Load(fromSafetensors, Fixture("vgg19-tiny.safetensors"));
        foreach (var ((name, a), (_, b)) in fromPth.named_parameters().Zip(fromSafetensors.named_parameters()))
            Assert.True(a.allclose(b, 0, 0), name);
    }

    [Fact]
    public void Full_size_parameters_have_torchvisions_keys_and_shapes()
    {
        var torchvision = File.ReadAllLines(Fixture("vgg19-keys.txt"))
            .Select(line => Regex.Match(line, @"^(\S+) \[(.*)\]$"))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        using var model = new Vgg19Features();
        var ours = model.named_parameters().ToList();
        Assert.Equal(26, ours.Count); // 13 convs, conv1_1 .. conv5_1
        foreach (var (name, parameter) in ours)
        {
            Assert.True(torchvision.TryGetValue(name, out var shape), $"{name} is not a torchvision vgg19 key");
            Assert.Equal(shape, string.Join(", ", parameter.shape));
        }
    }

    static void AssertClose(Tensor expected, Tensor actual, string layer)
    {
        Assert.Equal(expected.shape, actual.shape);
        double error = (expected - actual).abs().max().item<float>(), scale = expected.abs().max().item<float>();
        Assert.True(scale > 0 && error <= 1e-4 * scale + 1e-6, $"{layer}: max |diff| {error} against max |value| {scale}");
    }
}
