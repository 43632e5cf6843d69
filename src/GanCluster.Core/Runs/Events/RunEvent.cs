using System.Text.Json.Serialization;

namespace GanCluster.Core.Runs.Events;

/// <summary>
/// A run-changing event (docs/architecture.md, invariant 4): one line of events.jsonl, whose details are this
/// record's fields (serialised by <see cref="RunJson.Details"/>). <see cref="Kind"/> is the line's "kind"
/// (<see cref="EventKind"/>). Records are named after their kind.
/// </summary>
public abstract record RunEvent([property: JsonIgnore] string Kind);
