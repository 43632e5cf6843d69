using System.Text.Json.Nodes;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;

namespace GanCluster.Core.Membership;

// What the membership model decides; the coordinator actor carries each effect out, in order (a Persist first
// completes, then the effects after it run). Trainers are named by id; the actor knows where each one is.

/// <summary>One decision of <see cref="MembershipModel"/>.</summary>
public abstract record MembershipEffect;

/// <summary>Answer the registration being handled: accepted (<paramref name="Refusal"/> null) or refused with a reason.</summary>
public sealed record ReplyRegistration(string TrainerId, string? Refusal) : MembershipEffect;

/// <summary>Tell every member of <paramref name="Plan"/> that world <paramref name="Epoch"/> is formed.</summary>
public sealed record AnnounceWorld(long Epoch, WorldPlan Plan) : MembershipEffect;

/// <summary>Tell a member to abandon world <paramref name="Epoch"/> (<paramref name="Fenced"/>: it was counted as lost).</summary>
public sealed record AbortMember(string TrainerId, long Epoch, string Reason, bool Fenced) : MembershipEffect;

/// <summary>Tell one trainer (that registered after the end) that the run is over.</summary>
public sealed record StopTrainer(string TrainerId, string Reason, bool Failed) : MembershipEffect;

/// <summary>End the run for every trainer the coordinator knows.</summary>
public sealed record StopAll(string Reason, int ExitCode) : MembershipEffect
{
    public bool Failed => ExitCode != ExitCodes.Ok;
}

/// <summary>Raise the run directory's world fence: nothing of an older epoch may be written from now on.</summary>
public sealed record RaiseFence(long Epoch) : MembershipEffect;

/// <summary>Write a journal event (<see cref="EpochStarted"/>, <see cref="StepCommitted"/>, <see cref="RunEnded"/>) before the effects after it.</summary>
public sealed record Persist(object JournalEvent) : MembershipEffect;

/// <summary>An events.jsonl entry.</summary>
public sealed record RecordEvent(long Step, RunEvent Event) : MembershipEffect
{
    public string Kind => Event.Kind;

    /// <summary>The line's details as written (<see cref="RunJson.Details"/>).</summary>
    public JsonObject Details => RunJson.Details(Event);
}

/// <summary>
/// Check that a trainer's data-plane port answers, within the probe timeout, from the coordinator's host; report
/// the outcome with <see cref="MembershipModel.ProbeAnswered"/> and the same <paramref name="Token"/>.
/// </summary>
public sealed record ProbeDataPlane(string TrainerId, string Host, int Port, long Token) : MembershipEffect;

/// <summary>Start (or restart) the timer of this kind; when it fires, call <see cref="MembershipModel.TimerFired"/>.</summary>
public sealed record StartTimer(MembershipTimer Timer, TimeSpan After) : MembershipEffect;

/// <summary>Cancel the timer of this kind.</summary>
public sealed record CancelTimer(TimerKind Kind) : MembershipEffect;

/// <summary>A collapse rollback is carried out now (before the world that starts from it): archive what the abandoned steps wrote.</summary>
public sealed record ApplyRollback(long ToStep) : MembershipEffect;

/// <summary>The run is over for the coordinator: exit with this code.</summary>
public sealed record Finish(int ExitCode, string Reason, long Step) : MembershipEffect;

/// <summary>A console line for the user.</summary>
public sealed record Note(string Line) : MembershipEffect;

/// <summary>The coordinator's timers; one of each kind at a time.</summary>
public enum TimerKind
{
    /// <summary>Survivors of an aborted world have had their time to report.</summary>
    RecoveryWindow,

    /// <summary>Members turned unreachable a moment ago: judge who is cut off now.</summary>
    UnreachableSettle,

    /// <summary>A restarted coordinator has waited long enough for the running world's members.</summary>
    AdoptGrace,

    /// <summary>No further member of an aborted world was lost for a while: probe the candidates once more and form the next world.</summary>
    LossQuiet,
}

/// <summary>A timer and the world (or other token) it was started for: a stale one is ignored when it fires.</summary>
public sealed record MembershipTimer(TimerKind Kind, long Token);
