using System.Text.Json.Serialization;
using GanCluster.Core.Collapse;

namespace GanCluster.Core.Runs.Events;

/// <summary>collapse_suspected or collapse_cleared: the monitor's flag flipped at the evaluation of <paramref name="EvaluatedStep"/>.</summary>
public sealed record CollapseFlagChangedEvent([property: JsonFlatten] CollapseReading Reading, int N, long EvaluatedStep,
    double RaiseThreshold, double ClearThreshold)
    : RunEvent(Reading.CollapseSuspected ? EventKind.CollapseSuspected : EventKind.CollapseCleared);
