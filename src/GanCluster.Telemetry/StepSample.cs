namespace GanCluster.Telemetry;

/// <summary>What one training step reports to metrics (a plain copy of GanCluster.Training's StepReport).</summary>
public sealed record StepSample(
    long Step,
    double LossD,
    double LossG,
    double DReal,
    double DFake,
    double RealSign,
    double GradNormD,
    double GradNormG,
    double LrG,
    double LrD,
    int Resolution,
    double Alpha,
    int PhaseIndex,
    double ImagesPerSecond,
    long Images,
    long SkippedNonFinite,
    bool DSkippedByPolicy,
    double Seconds,
    double DataWaitSeconds = 0,
    double? AugmentP = null);

/// <summary>
/// One collapse evaluation (rank 0): the fields of a metrics.jsonl row's collapse_* keys, and its quality measures
/// (fid, kid, precision, recall) with the feature network they were computed in, when the monitor has one.
/// </summary>
public sealed record CollapseSample(long Step, double Diversity, double DuplicateRate, double? ClassesCovered, double? KlUniform,
    double Score, bool Suspected, QualitySample? Quality = null);

/// <summary>FID, KID, precision and recall of one evaluation, in the feature space <paramref name="Features"/> (e.g. mnist, resnet18).</summary>
public sealed record QualitySample(string Features, double Fid, double Kid, double Precision, double Recall);
