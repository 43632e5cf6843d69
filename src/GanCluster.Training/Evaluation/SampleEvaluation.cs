using System.Globalization;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Collapse;
using GanCluster.Core.Data;
using GanCluster.Core.Quality;
using GanCluster.Core.Spec;
using GanCluster.Training.Collapse;
using GanCluster.Training.Data;
using GanCluster.Training.Features;
using GanCluster.Training.Quality;
using GanCluster.Training.Sampling;
using static TorchSharp.torch;

namespace GanCluster.Training.Evaluation;

/// <summary>
/// Scores a set of images against real ones (`gancluster evaluate`): an image folder or IDX file as it is, or a
/// checkpoint through the network `gancluster sample` draws (<see cref="CheckpointGenerator"/>: the EMA when kept,
/// at the checkpoint's stage). The measures are the collapse monitor's (docs/collapse.md), and with a feature network
/// (<see cref="EvaluationRequest.Features"/>) sample quality too (docs/quality.md), whose recall the score then
/// counts, as the online monitor scores.
/// </summary>
public static class SampleEvaluation
{
    public static EvaluationReport Run(EvaluationRequest request)
    {
        var device = Devices.Parse(request.Device);
        using var checkpoint = CheckpointLocator.LooksLikeOne(request.Samples)
            ? CheckpointGenerator.Load(CheckpointLocator.Resolve(request.Samples, "--samples", w => request.Log?.Invoke("warning: " + w)), device)
            : null;
        var model = checkpoint?.Spec.Model ?? new ModelSpec { Resolution = request.Resolution, Channels = request.Channels };
        if (checkpoint == null)
        {
            if (model.Resolution is < 4 or > 1024) throw Input("--resolution", "a side length from 4 to 1024", model.Resolution);
            if (model.Channels is not (1 or 3)) throw Input("--channels", "1 or 3", model.Channels);
        }
        var defaults = new CollapseSpec();
        var real = OpenImages(request.Reference, model, "--reference");
        string? classifierPath = ClassifierFiles.Resolve(request.Classifier, request.Reference == null, "--classifier");
        using var classifier = classifierPath == null ? null : ClassifierFiles.Load(classifierPath, "--classifier", device);
        using var network = FeatureNetworks.Create(request.Features, request.Reference == null, "--features", device);
        var scorer = CollapseScorer.Build(real, request.ReferenceN, request.Seed, classifier, defaults.MeasureOptions(), device);
        var qualityScorer = network == null ? null : QualityScorer.Build(network, real, request.ReferenceN, request.Seed, QualityOptions.Default, device);

        CollapseMeasures measures;
        QualityMeasures? quality;
        if (checkpoint != null)
        {
            using var latents = checkpoint.Latents(request.N, request.Seed);
            Tensor Draw(int start, int count) => checkpoint.Draw(latents.narrow(0, start, count));
            measures = scorer.Measure(request.N, Draw);
            quality = qualityScorer?.Measure(request.N, Draw); // the same latents: the same images again
        }
        else
        {
            var set = OpenImages(request.Samples, model, "--samples");
            if (set.Count < 2) throw Input("--samples", "at least 2 images", set.Count);
            var indices = CollapseScorer.SampleIndices(set.Count, request.N, request.Seed + 1);
            if (network != null && indices.Count <= QualityOptions.Default.NearestK)
                throw Input("--samples", $"more than {QualityOptions.Default.NearestK} images for precision/recall (or --features none)", indices.Count);
            measures = scorer.Measure(set, indices);
            quality = qualityScorer?.Measure(set, indices);
        }
        if (quality != null) measures = measures.WithRecall(quality.Recall, defaults.DuplicatePercentile);
        return new EvaluationReport(CollapseReading.Of(measures, suspected: measures.Score >= defaults.RaiseThreshold), measures.N,
            quality == null ? null : QualityReading.Of(quality), network?.Description, network?.ComparableWithPublishedFid,
            request.Reference == null ? "embedded MNIST" : Path.GetFullPath(request.Reference), scorer.Reference.Count, classifierPath,
            checkpoint?.Path ?? Path.GetFullPath(request.Samples));
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
