using System.Buffers.Binary;
using System.Text.Json.Nodes;
using GanCluster.Training.Data;

namespace GanCluster.Cli.Tests;

/// <summary>`gancluster evaluate` and `gancluster classifier` as real processes: one JSON object on stdout, exit 2 on bad input.</summary>
public class CollapseCommandTests
{
    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-evaluate-").FullName;

    static readonly string[] Fields =
        ["diversity", "duplicate_rate", "classes_covered", "class_histogram", "kl_uniform", "collapse_score", "collapse_suspected", "n"];

    /// <summary>Held-out MNIST digits 8000.. as a raw IDX file (28x28).</summary>
    string WriteIdx(string name, int count)
    {
        var idx = IdxFile.Read(ImageSources.EmbeddedPath(ImageSources.EmbeddedImagesFile));
        const int pixels = 28 * 28;
        var bytes = new byte[16 + count * pixels];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x0803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), 28);
        idx.Data.AsSpan(8000 * pixels, count * pixels).CopyTo(bytes.AsSpan(16));
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    static JsonObject SingleJson(CliProcess.Result r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var json = Assert.IsType<JsonObject>(JsonNode.Parse(Assert.Single(lines)));
        foreach (var field in Fields) Assert.True(json.ContainsKey(field), $"missing {field}: {r.Stdout}");
        return json;
    }

    [Fact]
    public void Real_digits_from_an_idx_file_score_healthy()
    {
        string idx = WriteIdx("digits.idx", 400);
        var json = SingleJson(CliProcess.Run(_dir, "evaluate", "--samples", idx));
        Assert.False(json["collapse_suspected"]!.GetValue<bool>(), json.ToJsonString());
        Assert.Equal(400, json["n"]!.GetValue<int>());
        Assert.Equal(10, json["classes_covered"]!.GetValue<int>());
        Assert.Equal(10, json["class_histogram"]!.AsArray().Count);
        // Quality in the MNIST embedding (auto for the embedded reference): held-out real digits are near the reference.
        Assert.Equal("mnist", json["features"]!.GetValue<string>());
        Assert.False(json["comparable_with_published_fid"]!.GetValue<bool>());
        Assert.True(json["precision"]!.GetValue<double>() > 0.6 && json["recall"]!.GetValue<double>() > 0.6, json.ToJsonString());
        Assert.InRange(json["fid"]!.GetValue<double>(), 0, 50);
    }

    [Fact]
    public void A_folder_of_one_digit_repeated_scores_collapsed()
    {
        string folder = Path.Combine(_dir, "same");
        Directory.CreateDirectory(folder);
        var idx = IdxFile.Read(ImageSources.EmbeddedPath(ImageSources.EmbeddedImagesFile));
        var rng = new Random(1);
        for (int i = 0; i < 60; i++)
        {
            var image = idx.Data.AsSpan(8000 * 784, 784).ToArray();
            for (int p = 0; p < image.Length; p++) image[p] = (byte)Math.Clamp(image[p] + rng.Next(-6, 7), 0, 255);
            File.WriteAllBytes(Path.Combine(folder, $"{i:D3}.png"), ImageOps.EncodePng(image, 1, 28, 28));
        }
        var json = SingleJson(CliProcess.Run(_dir, "evaluate", "--samples", folder, "--classifier", "none"));
        Assert.True(json["collapse_suspected"]!.GetValue<bool>(), json.ToJsonString());
        Assert.True(json["duplicate_rate"]!.GetValue<double>() > 0.9, json.ToJsonString());
        Assert.Null(json["classes_covered"]);
        // One digit repeated covers almost none of the real manifold, and sits far from the real statistics.
        Assert.True(json["recall"]!.GetValue<double>() < 0.05, json.ToJsonString());
        Assert.True(json["fid"]!.GetValue<double>() > 200, json.ToJsonString());
    }

    [Fact]
    public void A_checkpoint_is_sampled_and_scored()
    {
        var train = CliProcess.Run(_dir, "train", "--out", "run", "--set", "steps=2", "--set", "batch_size=8", "--set", "data.limit=64",
            "--set", "model.ngf=8", "--set", "model.ndf=8", "--set", "model.nz=8", "--set", "sample_every=0");
        Assert.True(train.ExitCode == 0, train.ToString());
        var json = SingleJson(CliProcess.Run(_dir, "evaluate", "--samples", "run", "--count", "64", "--reference-count", "200"));
        Assert.Equal(64, json["n"]!.GetValue<int>());
        Assert.Equal(200, json["reference_n"]!.GetValue<int>());
        Assert.Contains("step-000002", json["samples"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("--samples", "missing-folder")]
    [InlineData("--samples", "notes.txt")]
    [InlineData("--samples", "empty")]
    [InlineData("--classifier", "missing.bin")]
    [InlineData("--classifier", "notes.txt")]
    [InlineData("--count", "1")]
    [InlineData("--reference", "missing.idx")]
    [InlineData("--features", "vgg")]
    [InlineData("--features", "inception:missing.pth")]
    [InlineData("--features", "inception:notes.txt")]
    public void Bad_input_exits_2_with_one_line_and_no_json(string option, string value)
    {
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "not an image file\n");
        Directory.CreateDirectory(Path.Combine(_dir, "empty"));
        string idx = WriteIdx("ok.idx", 50);
        var args = new List<string> { "evaluate", "--samples", idx, option, value };
        if (option == "--samples") args = ["evaluate", option, value];
        var r = CliProcess.Run(_dir, args.ToArray());
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Equal("", r.Stdout.Trim());
        Assert.Contains(option, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void The_shipped_classifier_reports_its_accuracy()
    {
        var r = CliProcess.Run(_dir, "classifier", "accuracy");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"held-out accuracy: (9[89]|100)\.\d\d% \(\d+/2000\)", r.Stdout);
    }

    [Fact]
    public void Classifier_training_refuses_a_bad_epoch_count()
    {
        var r = CliProcess.Run(_dir, "classifier", "train", "--epochs", "0", "--out", "c.bin");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--epochs", r.Stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "c.bin")));
    }
}
