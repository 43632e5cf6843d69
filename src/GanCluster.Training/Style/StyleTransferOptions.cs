namespace GanCluster.Training.Style;

/// <summary>The settings of one style transfer run (the CLI's options, resolved).</summary>
public sealed record StyleTransferOptions
{
    public int Steps { get; init; } = 300;

    /// <summary>Null: the extractor's <see cref="IStyleFeatureExtractor.DefaultWeights"/>.</summary>
    public StyleWeights? Weights { get; init; }

    public StyleInit Init { get; init; } = StyleInit.Content;

    public StyleOptimizer Optimizer { get; init; } = StyleOptimizer.Lbfgs;

    /// <summary>Null: 1 for L-BFGS, 0.02 for Adam (pixels are in [0, 1]).</summary>
    public double? LearningRate { get; init; }

    /// <summary>Seeds the noise start.</summary>
    public long Seed { get; init; }
}
