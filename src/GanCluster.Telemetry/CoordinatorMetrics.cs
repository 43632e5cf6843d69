using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using GanCluster.Core.Diagnostics;
using GanCluster.Core.Runs;

namespace GanCluster.Telemetry;

/// <summary>
/// The run's distributed metrics, kept by the coordinator: every run event passes through it (<see cref="OnEvent"/>,
/// subscribed to events.jsonl's writer), and it reports its membership after each change (<see cref="SetMembers"/>).
/// A finished recovery is also a trace span (its start is back-dated by the recovery's measured length).
/// </summary>
public sealed class CoordinatorMetrics
{
    /// <summary>Event kinds that are policy or collapse-response decisions (gancluster_policy_decisions_total{kind}).</summary>
    public static readonly IReadOnlySet<string> PolicyKinds = new HashSet<string>
    {
        EventKind.LrChanged, EventKind.DSkipStarted, EventKind.DSkipEnded, EventKind.PhaseStarted, EventKind.ResolutionGrown,
        EventKind.CollapseRollback, EventKind.CollapseStopped,
    };

    /// <summary>Member states (gancluster_members{status}).</summary>
    public static readonly IReadOnlyList<string> MemberStatuses = ["in_world", "standby", "suspect"];

    readonly Lock _lock = new();
    readonly Counter<long> _events, _policy, _recoveries, _aborts, _transfers, _transferBytes, _checkpoints, _checkpointFailures,
        _mismatches, _restarts, _lost, _nonFinite;
    readonly Histogram<double> _recoveryDuration, _transferDuration, _checkpointDuration;
    long _worldSize, _epoch, _checkpointBytes;
    double _lastCheckpointTime = double.NaN;
    readonly Dictionary<string, int> _members = MemberStatuses.ToDictionary(s => s, _ => 0);

    internal CoordinatorMetrics(Meter meter, int workersWanted, int workersMinimum)
    {
        _events = meter.CreateCounter<long>(MetricNames.Events, null, "Run events written to events.jsonl, by kind");
        _policy = meter.CreateCounter<long>(MetricNames.PolicyDecisions, null, "Decisions of the learning-rate / D-skip / growth policies and the collapse response, by kind");
        _recoveries = meter.CreateCounter<long>(MetricNames.Recoveries, null, "Worlds re-formed after a failure that trained again");
        _aborts = meter.CreateCounter<long>(MetricNames.WorldAborts, null, "Worlds abandoned (a member failed or left)");
        _transfers = meter.CreateCounter<long>(MetricNames.StateTransfers, null, "Replica states sent from a live peer to a joining rank");
        _transferBytes = meter.CreateCounter<long>(MetricNames.StateTransferBytes, "By", "Bytes of replica state transferred between peers");
        _checkpoints = meter.CreateCounter<long>(MetricNames.Checkpoints, null, "Checkpoints committed");
        _checkpointFailures = meter.CreateCounter<long>(MetricNames.CheckpointFailures, null, "Checkpoints that failed to write");
        _mismatches = meter.CreateCounter<long>(MetricNames.ReplicaHashMismatches, null, "Replica hash comparisons that found ranks differing");
        _restarts = meter.CreateCounter<long>(MetricNames.TrainerRestarts, null, "Trainer loops restarted after a failure of their own");
        _lost = meter.CreateCounter<long>(MetricNames.MembersLost, null, "World members lost (unreachable or failed)");
        _nonFinite = meter.CreateCounter<long>(MetricNames.NonFiniteEvents, null, "Steps with a non-finite loss or gradient (rank 0's events)");
        _recoveryDuration = meter.CreateHistogram<double>(MetricNames.RecoveryDuration, "s", "From a failure to the re-formed world's first step");
        _transferDuration = meter.CreateHistogram<double>(MetricNames.StateTransferDuration, "s", "Duration of one replica state transfer");
        _checkpointDuration = meter.CreateHistogram<double>(MetricNames.CheckpointDuration, "s", "Time to write and commit one checkpoint");
        meter.CreateObservableGauge(MetricNames.WorldSize, () => Read(() => _worldSize), null, "Ranks in the current world (0 while none trains)");
        meter.CreateObservableGauge(MetricNames.WorldEpoch, () => Read(() => _epoch), null, "The current world's epoch (grows with every re-formed world)");
        meter.CreateObservableGauge(MetricNames.WorkersWanted, () => workersWanted, null, "Trainers the run asks for (cluster.workers)");
        meter.CreateObservableGauge(MetricNames.WorkersMinimum, () => workersMinimum, null, "Fewest trainers a world may have (cluster.min_workers)");
        meter.CreateObservableGauge(MetricNames.CheckpointSize, () => Read(() => _checkpointBytes), "By", "Size of the newest committed checkpoint");
        meter.CreateObservableGauge<double>(MetricNames.LastCheckpointTimestamp, () =>
        {
            double t = Read(() => _lastCheckpointTime);
            return double.IsNaN(t) ? [] : [new Measurement<double>(t)];
        }, null, "Unix time of the newest committed checkpoint");
        meter.CreateObservableGauge(MetricNames.Members, () =>
        {
            lock (_lock) return _members.Select(kv => new Measurement<int>(kv.Value, new KeyValuePair<string, object?>("status", kv.Key))).ToList();
        }, null, "Trainers known to the coordinator, by status");
        // Every counter exists from the start at 0, so increase() and alerts see the first event.
        foreach (var c in new[] { _recoveries, _aborts, _transfers, _transferBytes, _checkpoints, _checkpointFailures, _mismatches, _restarts, _lost, _nonFinite })
            c.Add(0);
    }

    T Read<T>(Func<T> read)
    {
        lock (_lock) return read();
    }

    /// <summary>Trainers in the current world, registered and idle, and suspected (lost, not heard from since).</summary>
    public void SetMembers(int inWorld, int standby, int suspect)
    {
        lock (_lock)
        {
            _members["in_world"] = inWorld;
            _members["standby"] = standby;
            _members["suspect"] = suspect;
        }
    }

    /// <summary>Counts one run event (the signature of <see cref="EventLog.Written"/>).</summary>
    public void OnEvent(string kind, long step, JsonObject details)
    {
        _events.Add(1, new KeyValuePair<string, object?>("kind", kind));
        if (PolicyKinds.Contains(kind)) _policy.Add(1, new KeyValuePair<string, object?>("kind", kind));
        switch (kind)
        {
            case EventKind.WorldFormed:
                lock (_lock)
                {
                    _worldSize = Long(details, "world_size") ?? _worldSize;
                    _epoch = Long(details, "epoch") ?? _epoch;
                }
                break;
            case EventKind.WorldAborted:
                _aborts.Add(1);
                lock (_lock) _worldSize = 0;
                break;
            case EventKind.WaitingForTrainers:
                lock (_lock) _worldSize = 0;
                break;
            case EventKind.Recovered:
                _recoveries.Add(1);
                if (Double(details, "seconds") is { } seconds)
                {
                    _recoveryDuration.Record(seconds);
                    RecoverySpan(step, seconds, details);
                }
                break;
            case EventKind.StateTransfer:
                _transfers.Add(1);
                if (Long(details, "bytes") is { } bytes) _transferBytes.Add(bytes);
                if (Double(details, "seconds") is { } s) _transferDuration.Record(s);
                break;
            case EventKind.CheckpointCommitted:
                _checkpoints.Add(1);
                if (Double(details, "seconds") is { } cs) _checkpointDuration.Record(cs);
                lock (_lock)
                {
                    _checkpointBytes = Long(details, "bytes") ?? _checkpointBytes;
                    _lastCheckpointTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
                }
                break;
            case EventKind.CheckpointFailed:
                _checkpointFailures.Add(1);
                break;
            case EventKind.ReplicaHashMismatch:
                _mismatches.Add(1);
                break;
            case EventKind.TrainerRestarted:
                _restarts.Add(1);
                break;
            case EventKind.MemberLost:
                _lost.Add(1);
                break;
            case EventKind.NonFiniteSkipped:
                _nonFinite.Add(1);
                break;
        }
    }

    static void RecoverySpan(long step, double seconds, JsonObject details)
    {
        using var span = GanActivities.Source.StartActivity(GanActivities.Recovery, ActivityKind.Internal, parentContext: default,
            startTime: DateTimeOffset.UtcNow - TimeSpan.FromSeconds(seconds));
        if (span == null) return;
        span.SetTag("gancluster.step", step);
        span.SetTag("gancluster.epoch", Long(details, "epoch"));
        span.SetTag("gancluster.reason", details["reason"]?.ToString());
    }

    static long? Long(JsonObject o, string key) => Double(o, key) is { } d ? (long)d : null;

    static double? Double(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : null;
}
