namespace GanCluster.Core.Runs.Events;

/// <summary>
/// ADA's p moved into another 0.05 band (or to or from 0 or 1), effective from the event's step: <paramref name="RT"/> is
/// the r_t = E[sign(D(real))] of the interval that moved it; <paramref name="Source"/> is "controller" or "rescue".
/// </summary>
public sealed record AugmentPChangedEvent(double From, double To, [property: System.Text.Json.Serialization.JsonPropertyName("r_t")] double RT, double Target, string Source) : RunEvent(EventKind.AugmentPChanged);
