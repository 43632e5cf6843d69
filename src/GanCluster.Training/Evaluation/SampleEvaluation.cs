using System.Globalization;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Collapse;
using GanCluster.Core.Data;
using GanCluster.Core.Spec;
using GanCluster.Training.Collapse;
using GanCluster.Training.Data;
using GanCluster.Training.Sampling;
using static TorchSharp.torch;

namespace GanCluster.Training.Evaluation;

/// <summary>
/// Scores a set of images against real ones (`gancluster evaluate`): an image folder or IDX file as it is, or a
/// checkpoint through the network `gancluster sample` draws (<see cref="CheckpointGenerator"/>: the EMA when kept,
/// at the checkpoint's stage). The measures are the collapse monitor's (docs/collapse.md).
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
        var scorer = CollapseScorer.Build(real, request.ReferenceN, request.Seed, classifier, defaults.MeasureOptions(), device);

        CollapseMeasures measures;
        if (checkpoint != null)
        {
            using var latents = checkpoint.Latents(request.N, request.Seed);
            measures = scorer.Measure(request.N, (start, count) => checkpoint.Draw(latents.narrow(0, start, count)));
        }
        else
        {
            var set = OpenImages(request.Samples, model, "--samples");
            if (set.Count < 2) throw Input("--samples", "at least 2 images", set.Count);
            measures = scorer.Measure(set, CollapseScorer.SampleIndices(set.Count, request.N, request.Seed + 1));
        }
        return new EvaluationReport(CollapseReading.Of(measures, suspected: measures.Score >= defaults.RaiseThreshold), measures.N,
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
