using System.Text.Json.Serialization;

namespace GanCluster.Core.Runs;

/// <summary>
/// One line of metrics.jsonl: what step <see cref="Step"/> trained with and measured (statistics averaged over all
/// ranks; a non-finite one is written as null), where the run stands, and, when an evaluation landed at this step,
/// the collapse monitor's figures. Serialised by <see cref="RunJson.Row"/>.
/// </summary>
public sealed record MetricsRow
{
    public required long Step { get; init; }

    /// <summary>The data epoch (passes over the dataset).</summary>
    public required long Epoch { get; init; }

    public required double LossD { get; init; }

    public required double LossG { get; init; }

    public required double DReal { get; init; }

    public required double DFake { get; init; }

    /// <summary>E[sign(D(real))], StyleGAN2-ADA's overfitting signal.</summary>
    [JsonPropertyName("r_t")]
    public required double RealSign { get; init; }

    public required double GradNormD { get; init; }

    public required double GradNormG { get; init; }

    public required double LrD { get; init; }

    public required double LrG { get; init; }

    /// <summary>1 when the plan switched D's update off for this step.</summary>
    public required int DSkipped { get; init; }

    public required int Resolution { get; init; }

    /// <summary>"fade-in" or "stable".</summary>
    public required string Phase { get; init; }

    public required double Alpha { get; init; }

    /// <summary>Per rank.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Real images seen so far, all ranks together.</summary>
    public required long Images { get; init; }

    /// <summary>Smoothed throughput, all ranks together.</summary>
    public required double ImagesPerS { get; init; }

    /// <summary>Seconds this step waited for its batch: a starved trainer shows here (and in gancluster_data_wait_seconds).</summary>
    public required double DataWaitSeconds { get; init; }

    public required long SkippedNonfinite { get; init; }

    public required int WorldSize { get; init; }

    /// <summary>Unix time in seconds (3 decimals).</summary>
    public required double Time { get; init; }

    /// <summary>Whether every replica's hash matched rank 0's at this step (only at steps with a replica check).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? ReplicaHashOk { get; init; }

    /// <summary>The probability D's inputs were augmented with at this step (augment.kind; 1 for diffaugment, ADA's p); absent without augmentation.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? AugmentP { get; init; }

    /// <summary>The collapse evaluation that landed at this step, if any (its fields sit at the row's top level).</summary>
    [JsonFlatten]
    public MetricsCollapseFields? Collapse { get; init; }
}
