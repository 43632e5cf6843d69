namespace GanCluster.Core.Membership;

// What the coordinator persists (Akka.Persistence, SQLite under RUN_DIR by default): enough to come back after its
// own process dies without disturbing the trainers, which keep training meanwhile. Plain records: the Cluster
// layer's control-message serializer writes them.

/// <summary>A world was formed.</summary>
/// <param name="Rollback">the world starts from a collapse rollback: the committed step goes back to its start step</param>
/// <param name="CollapseStateJson">the collapse response state (rollbacks so far, learning-rate scales) the world starts with</param>
/// <param name="World">the members with their ranks and data-plane endpoints (journals written before this field have only ids)</param>
public sealed record EpochStarted(int Version, long Epoch, long StartStep, IReadOnlyList<string> Members,
    bool Rollback = false, string? CollapseStateJson = null, IReadOnlyList<WorldMember>? World = null);

/// <summary>Every member of the current world completed this step (from rank 0's reports; ranks move in lockstep).</summary>
public sealed record StepCommitted(int Version, long Epoch, long Step);

/// <summary>The run ended with this exit code.</summary>
public sealed record RunEnded(int Version, int ExitCode, long Step);

/// <summary>The coordinator's durable state, rebuilt by replaying the journal.</summary>
/// <param name="CollapseStateJson">the collapse response state of the newest world (null: none recorded)</param>
/// <param name="World">the newest world's members with ranks and endpoints (null: an older journal; ids only)</param>
/// <param name="ExitCode">the exit code the run ended with (when <paramref name="Ended"/>)</param>
public sealed record CoordinatorLedger(long Epoch, long StartStep, IReadOnlyList<string> Members, long CommittedStep, bool Ended,
    string? CollapseStateJson = null, IReadOnlyList<WorldMember>? World = null, int ExitCode = 0)
{
    public static readonly CoordinatorLedger Empty = new(0, 0, [], -1, false);

    public CoordinatorLedger Apply(object e) => e switch
    {
        EpochStarted s => this with
        {
            Epoch = s.Epoch, StartStep = s.StartStep, Members = s.Members, Ended = false, World = s.World,
            CommittedStep = s.Rollback ? s.StartStep : Math.Max(CommittedStep, s.StartStep),
            CollapseStateJson = s.CollapseStateJson ?? CollapseStateJson,
        },
        StepCommitted c when c.Epoch == Epoch => this with { CommittedStep = Math.Max(CommittedStep, c.Step) },
        RunEnded r => this with { Ended = true, ExitCode = r.ExitCode },
        _ => this,
    };

    /// <summary>A world was running when the coordinator last stopped (it may still be running now).</summary>
    public bool InFlight => Epoch > 0 && !Ended;
}
