namespace GanCluster.Core.Membership;

/// <summary>
/// Every timeout of the control plane, with its name and the reason for its value (docs/fault-tolerance.md). One
/// record so that no class relies on another's literal through a comment.
/// </summary>
public sealed record ClusterTimings
{
    public static readonly ClusterTimings Default = new();

    /// <summary>Akka failure detector: a heartbeat between nodes every second...</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>...and a node silent for this long (plus phi's margin, about a second) is unreachable: paused, cut off or dead.</summary>
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>The split-brain decision waits until the set of unreachable nodes has not changed for this long.</summary>
    public TimeSpan DowningStableAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After the first member turns unreachable the coordinator waits this long before judging who is cut off: in a
    /// partition of the coordinator itself every member turns unreachable within about a second of the first, and the
    /// coordinator must see that it is the one alone before it aborts anything.
    /// </summary>
    public TimeSpan UnreachableSettle { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// After a world aborts because members were lost, the next world forms only once no further loss has been seen for
    /// this long, and a last probe of every candidate has answered: trainers failing within about this long of each
    /// other (a host or rack going down, kills a few hundred ms apart) cost one new world rather than one each. A
    /// killed trainer outside any ring has nothing left to report it except its refusing data-plane port, hence the
    /// last probe. Why a quiet period and not "wait until every survivor re-registered": that already holds today and
    /// takes milliseconds, so the next loss arrives after the world formed. Why 1 s: it must exceed the gap between
    /// failures to be coalesced (the bench's 500 ms, with margin for a loaded machine), and it is paid once by every
    /// recovery that lost a member, so it must stay well under the 2 s recovery goal; a chain of losses is capped by
    /// the recovery window (cluster.recovery_window_seconds). A recovery that lost nobody (a trainer joining, a
    /// rollback, a ring broken by a blip) does not wait.
    /// </summary>
    public TimeSpan LossQuiet { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A probe of a trainer's data-plane port (the coordinator as referee after a data-plane failure).</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A restarted coordinator gives the running world's members this long to report (they heartbeat every
    /// <see cref="TrainerHeartbeat"/>) before it counts the silent ones as gone.
    /// </summary>
    public TimeSpan AdoptGrace { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A trainer in a world tells the coordinator its step this often, whatever the step time.</summary>
    public TimeSpan TrainerHeartbeat { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A trainer outside a world registers again this often until a world includes it.</summary>
    public TimeSpan RegisterInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Rank 0 waits this long for the coordinator's collapse decision, then trains on.</summary>
    public TimeSpan CollapseDecisionTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After a rollback or stop decision rank 0 waits this long for the abort or stop to arrive.</summary>
    public TimeSpan CollapseOutcomeWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The coordinator ends a collapse stop this long after deciding it if rank 0 never reports its end.</summary>
    public TimeSpan CollapseStopTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A trainer asked to stop lets its loop finish the step and checkpoint for this long, then aborts it.</summary>
    public TimeSpan LoopStopGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A node asked to stop by a signal waits this long for its parts to finish before it exits anyway.</summary>
    public TimeSpan SignalStopGrace { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A restarted coordinator tries this long to join the running cluster before it may start a new one.</summary>
    public TimeSpan RejoinBeforeNewCluster { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest backoff between restarts of a trainer's training loop.</summary>
    public TimeSpan MaxLoopRestartBackoff { get; init; } = TimeSpan.FromSeconds(30);
}
