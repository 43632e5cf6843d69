using System.Text;
using GanCluster.Training.Style;

namespace GanCluster.Cli.Tests;

/// <summary>`gancluster style` end to end on tiny images: bad input exits 2 with one line, a good run exits 0.</summary>
public class StyleCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-style-").FullName;

    public StyleCommandTests()
    {
        // In-process (no CLI start-up per test): the same images `style example-inputs` writes.
        File.WriteAllBytes(Path.Combine(_dir, "style-content.png"), StyleExampleImages.DigitContent(32));
        File.WriteAllBytes(Path.Combine(_dir, "style-texture.png"), StyleExampleImages.BrushStrokes(32));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static void AssertBadInput(CliProcess.Result r, string mention)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(mention, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void A_small_run_writes_the_image_and_says_which_extractor_it_used()
    {
        var r = CliProcess.Run(_dir, "style", "--content", "style-content.png", "--style", "style-texture.png", "--out", "out/result.png",
            "--size", "32", "--steps", "3");
        Assert.True(r.ExitCode == 0, r.ToString());
        // Without --weights: the shipped ImageNet-pretrained ResNet18, with its layer choice.
        Assert.Contains("feature extractor: ResNet18, ImageNet-pretrained (shipped; style relu1, layer1, layer2, layer3, content layer2)", r.Stdout);
        Assert.Contains("losses (weighted) at the start: content", r.Stdout);
        Assert.Contains("style", r.Stdout);
        Assert.Contains("tv", r.Stdout);
        var png = File.ReadAllBytes(Path.Combine(_dir, "out", "result.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public void The_random_cnn_is_still_there_on_request()
    {
        var r = CliProcess.Run(_dir, "style", "--content", "style-content.png", "--style", "style-texture.png", "--out", "out/random.png",
            "--size", "32", "--steps", "2", "--network", "random");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("feature extractor: random multi-scale CNN (--network random", r.Stdout);
        var bad = CliProcess.Run(_dir, "style", "--content", "style-content.png", "--style", "style-texture.png", "--out", "out/x.png",
            "--network", "vgg16");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("vgg16", bad.Stderr);
    }

    [Fact]
    public void Example_inputs_are_written_for_the_docs()
    {
        var r = CliProcess.Run(_dir, "style", "example-inputs", "docs-images", "--size", "24");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(Path.Combine(_dir, "docs-images", "style-content.png")));
        Assert.True(File.Exists(Path.Combine(_dir, "docs-images", "style-texture.png")));
    }

    [Fact]
    public void A_missing_content_image_exits_2()
    {
        var r = CliProcess.Run(_dir, "style", "--content", "nope.png", "--style", "style-texture.png", "--out", "o.png");
        AssertBadInput(r, "--content: expected an image file (PNG or JPEG), found 'nope.png' (no such file)");
    }

    [Fact]
    public void An_unreadable_style_image_exits_2()
    {
        File.WriteAllText(Path.Combine(_dir, "fake.png"), "this is not a PNG");
        var r = CliProcess.Run(_dir, "style", "--content", "style-content.png", "--style", "fake.png", "--out", "o.png");
        AssertBadInput(r, "--style: expected an image file (PNG or JPEG), found 'fake.png' (not a decodable image)");
    }

    [Fact]
    public void A_weights_file_for_another_network_exits_2_naming_the_key()
    {
        // A safetensors file (written by hand: 8-byte header length, JSON header, raw data) with a wrong shape.
        WriteSafetensors(Path.Combine(_dir, "wrong.safetensors"), "features.0.weight", [2, 3, 3, 3]);
        var r = CliProcess.Run(_dir, "style", "--content", "style-content.png", "--style", "style-texture.png", "--out", "o.png",
            "--weights", "wrong.safetensors");
        AssertBadInput(r, "wrong.safetensors: features.0.weight: expected a float tensor of shape [64, 3, 3, 3], found [2, 3, 3, 3]");
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(Path.Combine(_dir, "o.png")));
    }

    [Fact]
    public void A_missing_weights_file_exits_2()
    {
        var r = CliProcess.Run(_dir, "style", "--content", "style-content.png", "--style", "style-texture.png", "--out", "o.png",
            "--weights", "vgg19.pth");
        AssertBadInput(r, "--weights: expected a weights file, found 'vgg19.pth' (no such file)");
    }

    [Theory]
    [InlineData("--optimizer", "sgd")]
    [InlineData("--init", "zeros")]
    [InlineData("--size", "4")]
    [InlineData("--steps", "0")]
    [InlineData("--style-weight", "-1")]
    [InlineData("--out", "result.jpg")]
    public void A_bad_option_value_exits_2(string option, string value)
    {
        var args = new List<string> { "style", "--content", "style-content.png", "--style", "style-texture.png", "--out", "o.png" };
        int existing = args.IndexOf(option);
        if (existing >= 0) args[existing + 1] = value;
        else args.AddRange([option, value]);
        var r = CliProcess.Run(_dir, [.. args]);
        AssertBadInput(r, option == "--optimizer" || option == "--init" ? value : option);
    }

    static void WriteSafetensors(string path, string key, long[] shape)
    {
        long bytes = shape.Aggregate(1L, (a, b) => a * b) * 4;
        string header = $"{{\"{key}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[0,{bytes}]}}}}";
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((ulong)Encoding.UTF8.GetByteCount(header)));
        file.Write(Encoding.UTF8.GetBytes(header));
        file.Write(new byte[bytes]);
    }
}
