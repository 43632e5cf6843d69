using System.CommandLine;
using System.Globalization;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Telemetry.Logging;
using GanCluster.Training.Evaluation;

namespace GanCluster.Cli.Commands;

/// <summary>
/// `gancluster evaluate`: scores any set of images for mode collapse and sample quality against reference data
/// (<see cref="SampleEvaluation"/>) and prints one JSON object on stdout (docs/collapse.md, docs/quality.md):
/// diversity, duplicate_rate, classes_covered, class_histogram, kl_uniform, collapse_score, collapse_suspected, n;
/// fid, kid, kid_std, precision, recall, density, coverage in the feature space <c>--features</c> names; plus what it
/// was measured against.
/// </summary>
public static class EvaluateCommand
{
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
            var report = SampleEvaluation.Run(new EvaluationRequest
            {
                Samples = parse.GetValue(samples)!,
                Reference = parse.GetValue(reference),
                Classifier = parse.GetValue(classifier)!,
                Features = parse.GetValue(features)!,
                N = n,
                ReferenceN = refN,
                Resolution = parse.GetValue(resolution),
                Channels = parse.GetValue(channels),
                Seed = parse.GetValue(seed),
                Device = CommonOptions.Devices(parse, device, list: false)[0],
                Log = line => NodeLog.Warning(line),
            });
            Console.Out.WriteLine(RunJson.Object(report).ToJsonString(RunJson.Options));
            return CliApp.Ok;
        });
        return command;
    }

    static SpecException Input(string field, string expected, int found) =>
        new(field, expected, found.ToString(CultureInfo.InvariantCulture), "input");
}
