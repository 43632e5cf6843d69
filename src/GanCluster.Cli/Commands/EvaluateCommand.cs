using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Quality;
using GanCluster.Core.Spec;
using GanCluster.Training;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Collapse;
using GanCluster.Training.Data;
using GanCluster.Training.Features;
using GanCluster.Training.Models;
using GanCluster.Training.Quality;
using static TorchSharp.torch;

namespace GanCluster.Cli.Commands;

/// <summary>
/// `gancluster evaluate`: scores any set of images for mode collapse and sample quality against reference data and
/// prints one JSON object on stdout (docs/collapse.md, docs/quality.md): diversity, duplicate_rate, classes_covered,
/// class_histogram, kl_uniform, collapse_score, collapse_suspected, n; fid, kid, kid_std, precision, recall, density,
/// coverage in the feature space <c>--features</c> names; plus what it was measured against.
/// </summary>
public static class EvaluateCommand
{
    static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var samples = new Option<string>("--samples") { Description = "an image folder, an IDX file, or a checkpoint / run directory to sample from", Required = true };
        var reference = new Option<string?>("--reference") { Description = "real images to compare with: an image folder or IDX file (default: the embedded MNIST)" };
        var classifier = new Option<string>("--classifier") { Description = "auto (the shipped MNIST classifier when the reference is the embedded MNIST) | none | weights file", DefaultValueFactory = _ => CollapseSpec.AutoClassifier };
        var count = new Option<int>("--count") { Description = "images to score (sampled from the set, or generated from the checkpoint)", DefaultValueFactory = _ => 512 };
        var referenceCount = new Option<int>("--reference-count") { Description = "real images in the reference sample", DefaultValueFactory = _ => 1000 };
        var resolution = new Option<int>("--resolution") { Description = "side length images are loaded at (a checkpoint uses its own)", DefaultValueFactory = _ => 32 };
        var channels = new Option<int>("--channels") { Description = "1 (grayscale) or 3 (RGB) (a checkpoint uses its own)", DefaultValueFactory = _ => 1 };
        var seed = new Option<long>("--seed") { Description = "picks the images / latents and the reference sample", DefaultValueFactory = _ => 0 };
        var features = new Option<string>("--features")
        {
            Description = "feature network for FID/KID/precision/recall: auto (mnist for the embedded MNIST, else resnet18) | resnet18 | mnist | inception:PATH | none",
            DefaultValueFactory = _ => Core.Quality.FeatureSetting.Auto,
        };
        var device = CommonOptions.Device();
        var command = new Command("evaluate", "score a set of images for mode collapse; prints one JSON object")
        {
            samples, reference, classifier, count, referenceCount, resolution, channels, seed, features, device,
        };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(count), refN = parse.GetValue(referenceCount);
            if (n is < 2 or > 10000) throw Input("--count", "a number of images from 2 to 10000", n);
            if (refN is < 3 or > 10000) throw Input("--reference-count", "a number of images from 3 to 10000", refN);
            var dev = GanTrainer.ParseDevice(CommonOptions.Devices(parse, device, list: false)[0]);
            string samplesPath = parse.GetValue(samples)!;
            var defaults = new CollapseSpec();
            var checkpoint = AsCheckpoint(samplesPath);
            var model = checkpoint?.Spec.Model ?? new ModelSpec { Resolution = parse.GetValue(resolution), Channels = parse.GetValue(channels) };
            if (checkpoint == null)
            {
                if (model.Resolution is < 4 or > 1024) throw Input("--resolution", "a side length from 4 to 1024", model.Resolution);
                if (model.Channels is not (1 or 3)) throw Input("--channels", "1 or 3", model.Channels);
            }
            string? referencePath = parse.GetValue(reference);
            var real = OpenImages(referencePath, model, "--reference");
            string? classifierPath = ClassifierFiles.Resolve(parse.GetValue(classifier)!, referencePath == null, "--classifier");
            using var classifierModel = classifierPath == null ? null : ClassifierFiles.Load(classifierPath, "--classifier", dev);
            long s = parse.GetValue(seed);
            using var network = FeatureNetworks.Create(parse.GetValue(features)!, referencePath == null, "--features", dev);
            var scorer = CollapseScorer.Build(real, refN, s, classifierModel, defaults.MeasureOptions(), dev);
            var qualityScorer = network == null ? null : QualityScorer.Build(network, real, refN, s, QualityOptions.Default, dev);

            using var g = checkpoint == null ? null : GanModels.CreateGenerator(checkpoint.Spec, dev);
            using var z = checkpoint == null ? null : Latents(n, checkpoint.Spec.Model.Nz, s);
            Func<int, int, Tensor> images;
            if (checkpoint != null)
            {
                // The generator samples come from: its EMA when the run keeps one (optim.g_ema, progressive.g_ema).
                var weights = checkpoint.Snapshot.Files.GetValueOrDefault(TrainerSnapshot.GeneratorEma) ?? checkpoint.Snapshot.Files[TrainerSnapshot.Generator];
                using (var reader = new BinaryReader(new MemoryStream(weights))) g!.load(reader);
                g!.eval();
                images = (start, c) => g.forward(z!.narrow(0, start, c).to(dev));
            }
            else
            {
                var set = OpenImages(samplesPath, model, "--samples")!;
                if (set.Count < 2) throw Input("--samples", "at least 2 images", set.Count);
                var indices = CollapseScorer.SampleIndices(set.Count, n, s + 1);
                n = indices.Count;
                if (network != null && n <= QualityOptions.Default.NearestK)
                    throw Input("--samples", $"more than {QualityOptions.Default.NearestK} images for precision/recall (or --features none)", n);
                images = (start, c) => CollapseScorer.Read(set, indices, start, c);
            }
            using var _ = no_grad();
            var measures = scorer.Measure(n, images);
            var quality = qualityScorer?.Measure(n, images);
            if (quality != null) measures = measures.WithRecall(quality.Recall, defaults.DuplicatePercentile); // as the online monitor scores
            var json = measures.ToJson(suspected: measures.Score >= defaults.RaiseThreshold);
            if (quality != null)
            {
                foreach (var (key, value) in quality.ToJson()) json[key] = value?.DeepClone();
                json["features_description"] = qualityScorer!.Network.Description;
                json["comparable_with_published_fid"] = qualityScorer.Network.ComparableWithPublishedFid;
            }
            json["reference"] = referencePath == null ? "embedded MNIST" : Path.GetFullPath(referencePath);
            json["reference_n"] = scorer.Reference.Count;
            json["classifier"] = classifierPath;
            json["samples"] = checkpoint?.Path ?? Path.GetFullPath(samplesPath);
            Console.Out.WriteLine(json.ToJsonString(Compact));
            return CliApp.Ok;
        });
        return command;
    }

    static Tensor Latents(int n, int nz, long seed)
    {
        using var rng = new TorchSharp.torch.Generator((ulong)seed);
        return randn([n, nz], generator: rng);
    }

    sealed record Checkpoint(string Path, TrainerSnapshot Snapshot, RunSpec Spec);

    /// <summary>A checkpoint folder or a run directory (its newest valid checkpoint); null for anything else.</summary>
    static Checkpoint? AsCheckpoint(string path)
    {
        if (!Directory.Exists(path)) return null;
        bool looksLikeOne = File.Exists(Path.Combine(path, CheckpointManifest.FileName)) || Directory.Exists(Path.Combine(path, "checkpoints"));
        if (!looksLikeOne) return null;
        string dir = SampleCommand.ResolveCheckpoint(path);
        var snapshot = TrainerSnapshot.ReadFrom(dir);
        return new Checkpoint(dir, snapshot, RunSpecLoader.Parse(snapshot.ReadSpecYaml()));
    }

    /// <summary>An image folder or IDX file at the model's size; the embedded MNIST for a null path.</summary>
    static ImageSource OpenImages(string? path, ModelSpec model, string field)
    {
        try
        {
            if (path == null) return ImageSources.Open(new DataSpec(), model);
            if (Directory.Exists(path)) return new FolderImageSource(path, model.Resolution, model.Channels);
            if (File.Exists(path)) return ImageSources.OpenIdx(path, model.Resolution, model.Channels, null, null);
            throw Input(field, "an image folder, an IDX file" + (field == "--samples" ? " or a checkpoint" : ""), $"'{path}' (no such file or folder)");
        }
        catch (DataException e)
        {
            string message = e.Message.StartsWith("data.path: ", StringComparison.Ordinal) ? e.Message["data.path: ".Length..] : e.Message;
            throw new SpecException(field, "readable images (an image folder or an IDX file)", message, "input");
        }
    }

    static SpecException Input(string field, string expected, object found) =>
        new(field, expected, found as string ?? Convert.ToString(found, CultureInfo.InvariantCulture) ?? "null", "input");
}
