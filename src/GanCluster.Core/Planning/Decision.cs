using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Planning;

/// <summary>
/// A run-changing decision (docs/architecture.md, invariants 2 and 4): made after step s from statistics all-reduced
/// across ranks, stamped with the step at which it takes effect (<see cref="Step"/> = s + 1), written to
/// events.jsonl when that step starts. The <see cref="StepPlan"/> is what replicas apply; decisions say why.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(PhaseStarted), "phase_started")]
[JsonDerivedType(typeof(ResolutionGrown), "resolution_grown")]
[JsonDerivedType(typeof(LearningRateChanged), "lr_changed")]
[JsonDerivedType(typeof(DSkipChanged), "d_skip_changed")]
public abstract record Decision(long Step)
{
    /// <summary>The event kind in events.jsonl (<see cref="EventKind"/>).</summary>
    [JsonIgnore]
    public abstract string Kind { get; }

    /// <summary>The event's details object.</summary>
    public abstract JsonObject Details();

    /// <summary>JSON has no NaN: a non-finite number is written as null.</summary>
    protected static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;
}
