using GanCluster.Core.Quality;
using GanCluster.Core.Spec;

namespace GanCluster.Training.Evaluation;

/// <summary>What `gancluster evaluate` measures; the field names in input errors are the command's options.</summary>
public sealed record EvaluationRequest
{
    /// <summary>An image folder, an IDX file, or a checkpoint / run directory to sample from.</summary>
    public required string Samples { get; init; }

    /// <summary>Real images to compare with (an image folder or IDX file); null: the embedded MNIST.</summary>
    public string? Reference { get; init; }

    /// <summary>auto, none, or a classifier weights file (see <see cref="Collapse.ClassifierFiles"/>).</summary>
    public string Classifier { get; init; } = CollapseSpec.AutoClassifier;

    /// <summary>
    /// The feature network of the quality measures: auto (mnist for the embedded MNIST, else resnet18), resnet18,
    /// mnist, inception:PATH, or none (see <see cref="Features.FeatureNetworks"/>).
    /// </summary>
    public string Features { get; init; } = FeatureSetting.Auto;

    /// <summary>Images to score (sampled from the set, or generated from the checkpoint).</summary>
    public int N { get; init; } = 512;

    /// <summary>Real images in the reference sample.</summary>
    public int ReferenceN { get; init; } = 1000;

    /// <summary>Side length images are loaded at (a checkpoint uses its own).</summary>
    public int Resolution { get; init; } = 32;

    /// <summary>1 or 3 (a checkpoint uses its own).</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Picks the images or latents, and the reference sample.</summary>
    public long Seed { get; init; }

    public string Device { get; init; } = "cpu";

    /// <summary>Warnings (a run directory's checkpoints skipped), one line each.</summary>
    public Action<string>? Log { get; init; }
}
