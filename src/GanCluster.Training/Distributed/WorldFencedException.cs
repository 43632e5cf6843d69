namespace GanCluster.Training.Distributed;

/// <summary>This trainer's world was abandoned by the coordinator (a newer epoch exists): it must not write or go on.</summary>
public sealed class WorldFencedException(long epoch, long fence)
    : Exception($"world {epoch} was fenced off (the run is at epoch {fence}); this replica stops writing and re-registers");
