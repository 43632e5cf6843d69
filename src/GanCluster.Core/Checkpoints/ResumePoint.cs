namespace GanCluster.Core.Checkpoints;

/// <summary>The checkpoint a run continues from: its step, folder and manifest (null when the manifest did not verify).</summary>
public sealed record ResumePoint(long Step, string Path, CheckpointManifest? Manifest);
