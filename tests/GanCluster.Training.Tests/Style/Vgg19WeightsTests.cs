using GanCluster.Core.Spec;
using GanCluster.Training.Style;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Style;

/// <summary>
/// Weights files with torchvision's vgg19 key names, written here (PyBridge's torch.save-compatible pickler and
/// its safetensors writer) at 1/16 of the real widths so they stay a few kB, then loaded back.
/// </summary>
public class Vgg19WeightsTests : IDisposable
{
    const int Divisor = 16;

    /// <summary>torchvision's vgg19().features: (index, out channels, in channels) of each conv up to conv5_1.</summary>
    static readonly (int Index, int Out, int In)[] TorchvisionConvs =
    [
        (0, 64, 3), (2, 64, 64), (5, 128, 64), (7, 128, 128), (10, 256, 128), (12, 256, 256), (14, 256, 256), (16, 256, 256),
        (19, 512, 256), (21, 512, 512), (23, 512, 512), (25, 512, 512), (28, 512, 512),
    ];

    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-vgg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A state_dict as torchvision names it (plus classifier and deeper keys, which must be ignored).</summary>
    static Dictionary<string, Tensor> TorchvisionStyleDict(string prefix = "features.")
    {
        var dict = new Dictionary<string, Tensor>();
        using var rng = new Generator(11);
        foreach (var (index, outC, inC) in TorchvisionConvs)
        {
            dict[$"{prefix}{index}.weight"] = randn(new long[] { outC / Divisor, inC == 3 ? 3 : inC / Divisor, 3, 3 }, generator: rng);
            dict[$"{prefix}{index}.bias"] = randn(new long[] { outC / Divisor }, generator: rng);
        }
        if (prefix.Length > 0) dict["classifier.6.bias"] = zeros(1000);
        dict[$"{prefix}30.weight"] = zeros(2, 2, 3, 3);
        return dict;
    }

    string WritePth(Dictionary<string, Tensor> dict, string name = "vgg19.pth")
    {
        string path = Path.Combine(_dir, name);
        using (var stream = File.Create(path)) PyTorchPickler.PickleStateDict(stream, dict, leaveOpen: false);
        return path;
    }

    string WriteSafetensors(Dictionary<string, Tensor> dict, string name = "vgg19.safetensors")
    {
        string path = Path.Combine(_dir, name);
        using (var stream = File.Create(path)) Safetensors.SaveStateDict(stream, dict, leaveOpen: false);
        return path;
    }

    static void AssertLoaded(Vgg19Features model, Dictionary<string, Tensor> dict, string prefix = "features.")
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(TorchvisionConvs.Length * 2, parameters.Count);
        foreach (var (index, _, _) in TorchvisionConvs)
        foreach (var kind in new[] { "weight", "bias" })
            Assert.True(parameters[$"features.{index}.{kind}"].allclose(dict[$"{prefix}{index}.{kind}"], 0, 0), $"features.{index}.{kind}");
    }

    [Fact]
    public void Loads_a_torch_save_state_dict_with_torchvision_key_names()
    {
        var dict = TorchvisionStyleDict();
        string path = WritePth(dict);
        using var model = new Vgg19Features(Divisor);
        Vgg19Weights.Load(model, path);
        AssertLoaded(model, dict);
        Assert.Contains(path, model.Description);
    }

    [Fact]
    public void Loads_safetensors()
    {
        var dict = TorchvisionStyleDict();
        using var model = new Vgg19Features(Divisor);
        Vgg19Weights.Load(model, WriteSafetensors(dict));
        AssertLoaded(model, dict);
    }

    [Fact]
    public void Loads_a_state_dict_of_features_alone()
    {
        var dict = TorchvisionStyleDict(prefix: "");
        using var model = new Vgg19Features(Divisor);
        Vgg19Weights.Load(model, WritePth(dict));
        AssertLoaded(model, dict, prefix: "");
    }

    [Fact]
    public void Round_trips_the_models_own_state_dict()
    {
        using var source = new Vgg19Features(Divisor);
        string path = Path.Combine(_dir, "own.pth");
        source.save_py(path);
        using var target = new Vgg19Features(Divisor);
        Vgg19Weights.Load(target, path);
        foreach (var ((name, a), (_, b)) in source.named_parameters().Zip(target.named_parameters()))
            Assert.True(a.allclose(b, 0, 0), name);
    }

    [Fact]
    public void A_wrong_shape_names_the_key_the_expected_and_the_found_shape()
    {
        var dict = TorchvisionStyleDict();
        dict["features.5.weight"] = zeros(3, 4, 3, 3);
        string path = WritePth(dict);
        using var model = new Vgg19Features(Divisor);
        var e = Assert.Throws<SpecException>(() => Vgg19Weights.Load(model, path));
        var problem = Assert.Single(e.Problems);
        Assert.Equal(path, e.Source);
        Assert.Equal("features.5.weight", problem.Path);
        Assert.Equal("a float tensor of shape [8, 4, 3, 3]", problem.Expected);
        Assert.Equal("[3, 4, 3, 3]", problem.Found);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_missing_key_is_named()
    {
        var dict = TorchvisionStyleDict();
        dict.Remove("features.28.bias");
        using var model = new Vgg19Features(Divisor);
        var e = Assert.Throws<SpecException>(() => Vgg19Weights.Load(model, WriteSafetensors(dict)));
        Assert.Equal("features.28.bias", e.Problems[0].Path);
        Assert.StartsWith("no such key", e.Problems[0].Found);
    }

    [Fact]
    public void Another_networks_weights_are_refused_in_one_line()
    {
        // vgg16's features.16 is a max pool: no weight there.
        var dict = new Dictionary<string, Tensor> { ["conv1.weight"] = zeros(2, 3, 3, 3), ["fc.bias"] = zeros(4) };
        using var model = new Vgg19Features(Divisor);
        var e = Assert.Throws<SpecException>(() => Vgg19Weights.Load(model, WritePth(dict)));
        Assert.Single(e.Problems);
        Assert.Equal("features.0.weight", e.Problems[0].Path);
        Assert.Contains("25 more keys do not match", e.Problems[0].Found);
        Assert.Contains("'conv1.weight'", e.Problems[0].Found);
    }

    [Fact]
    public void A_file_that_is_not_a_state_dict_is_a_user_error()
    {
        string path = Path.Combine(_dir, "notes.pth");
        File.WriteAllText(path, "not weights");
        using var model = new Vgg19Features(Divisor);
        var e = Assert.Throws<SpecException>(() => Vgg19Weights.Load(model, path));
        Assert.Equal("--weights", e.Problems[0].Path);
        Assert.Contains("neither format", e.Problems[0].Found);
        var missing = Assert.Throws<SpecException>(() => Vgg19Weights.Load(model, Path.Combine(_dir, "nope.pth")));
        Assert.Contains("no such file", missing.Problems[0].Found);
    }
}
