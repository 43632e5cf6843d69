using System.Text.Json.Serialization;

namespace GanCluster.Core.Runs.Events;

/// <summary>run_started, or run_resumed when the run continues from a checkpoint (rank 0, when training starts in a world).</summary>
public sealed record RunStartedEvent([property: JsonIgnore] bool Resumed, long? Steps, long TotalSteps, int WorldSize, string Data,
    string Device, string SpecHash) : RunEvent(Resumed ? EventKind.RunResumed : EventKind.RunStarted);
