namespace GanCluster.Core.Runs.Events;

/// <summary>A rank received the world's start state from a live peer.</summary>
public sealed record StateTransferEvent(string Trainer, int FromRank, int ToRank, long Epoch, long Bytes, double Seconds)
    : RunEvent(EventKind.StateTransfer);
