namespace GanCluster.Core.Runs;

/// <summary>
/// The run directory, the user-visible contract (see docs/architecture.md):
/// run.yaml, metrics.jsonl, events.jsonl, samples/step-NNNNNN.png (and scales-step-NNNNNN.png), checkpoints/step-NNNNNN/.
/// </summary>
public sealed class RunLayout(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public string SpecFile => Path.Combine(Root, "run.yaml");

    public string MetricsFile => Path.Combine(Root, "metrics.jsonl");

    public string EventsFile => Path.Combine(Root, "events.jsonl");

    public string SamplesDir => Path.Combine(Root, "samples");

    public string CheckpointsDir => Path.Combine(Root, "checkpoints");

    /// <summary>The cluster addresses of the newest world's trainer nodes: a restarted coordinator rejoins through them.</summary>
    public string ClusterNodesFile => Path.Combine(Root, "cluster-nodes");
    /// <summary>quality/real-FEATURES.bin: the real sample's features and statistics for the quality measures (a cache).</summary>
    public string QualityReferenceFile(string features) => Path.Combine(Root, "quality", $"real-{features}.bin");

    public string SampleFile(long step) => Path.Combine(SamplesDir, $"{StepName(step)}.png");

    /// <summary>samples/scales-step-NNNNNN.png: an MSG run's images at every scale for a few latents.</summary>
    public string ScaleStripFile(long step) => Path.Combine(SamplesDir, $"scales-{StepName(step)}.png");

    public string CheckpointDir(long step) => Path.Combine(CheckpointsDir, StepName(step));

    /// <summary>rollbacks/N/: the metrics and events a collapse rollback took off the main logs (N counts rollbacks).</summary>
    public string RollbackArchiveDir(int number) => Path.Combine(Root, "rollbacks", number.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>step-000100: six digits keep `ls` in step order for any practical run.</summary>
    public static string StepName(long step) => $"step-{step:D6}";

    public static bool TryParseStepName(string name, out long step)
    {
        step = 0;
        return name.StartsWith("step-", StringComparison.Ordinal) && long.TryParse(name.AsSpan(5), out step) && step >= 0;
    }

    public void Create()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(SamplesDir);
        Directory.CreateDirectory(CheckpointsDir);
    }
}
