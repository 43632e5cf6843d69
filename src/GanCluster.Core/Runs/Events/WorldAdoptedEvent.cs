namespace GanCluster.Core.Runs.Events;

/// <summary>A restarted coordinator heard from every member of the running world <paramref name="Epoch"/> and goes on with it.</summary>
public sealed record WorldAdoptedEvent(long Epoch, int WorldSize) : RunEvent(EventKind.WorldAdopted);
