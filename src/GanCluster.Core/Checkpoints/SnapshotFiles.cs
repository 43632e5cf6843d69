namespace GanCluster.Core.Checkpoints;

/// <summary>
/// The files of a checkpoint folder (a trainer snapshot on disk), by name. Core knows the names so that what
/// reads checkpoints without tensors (the coordinator, the resume loader) needs no tensor library.
/// </summary>
public static class SnapshotFiles
{
    public const string Generator = "generator.bin";
    public const string GeneratorEma = "generator_ema.bin";
    public const string Discriminator = "discriminator.bin";
    public const string OptimizerG = "optim_g.bin";
    public const string OptimizerD = "optim_d.bin";
    public const string State = "state.json";
    public const string Spec = "spec.yaml";

    /// <summary>The metrics row of the snapshot's step, so a new rank 0 can write it if its predecessor could not.</summary>
    public const string LastRow = "last_row.json";
}
