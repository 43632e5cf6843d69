namespace GanCluster.Core.Storage;

/// <summary>
/// The storage could not be asked (unreachable, refused, throttled): says nothing about the checkpoint, so a resume
/// must not skip past checkpoints for it (it would start over and later prune them); the run fails instead.
/// </summary>
public sealed class StorageUnavailableException(string message, Exception inner) : IOException(message, inner);
