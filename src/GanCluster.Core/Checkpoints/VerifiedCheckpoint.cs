namespace GanCluster.Core.Checkpoints;

/// <summary>
/// A checkpoint as read from disk once: its manifest and the bytes of exactly the files the manifest lists, each
/// checked against its size and SHA-256. Whatever is loaded from it is loaded from these bytes, never re-read.
/// </summary>
public sealed record VerifiedCheckpoint(string Path, CheckpointManifest Manifest, IReadOnlyDictionary<string, byte[]> Files)
{
    public long Step => Manifest.Step;
}
