using System.Globalization;
using GanCluster.Core.Policies;
using GanCluster.Core.Progressive;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Planning;

/// <summary>
/// The training plan of a run: the progressive schedule (phase, resolution, alpha, batch size, base learning
/// rates as a function of the images shown) composed with the policy list. Pure and deterministic:
/// <see cref="Advance"/> maps (plan state, all-reduced statistics of step s, world size) to the plan state whose
/// <see cref="PlanState.Next"/> is the plan for step s + 1 and whose <see cref="PlanState.Pending"/> decisions
/// are stamped s + 1. Run it on every rank (identical results) or on the coordinator and broadcast the state.
/// </summary>
public sealed class TrainingPlan
{
    public TrainingPlan(RunSpec spec)
    {
        Schedule = new ProgressiveSchedule(spec);
        Engine = new PolicyEngine(spec.Policy);
        StepLimit = spec.Steps;
        ResetOptimizerOnGrow = spec.Progressive?.ResetOptimizerOnGrow ?? false;
    }

    public ProgressiveSchedule Schedule { get; }

    public PolicyEngine Engine { get; }

    /// <summary>spec.steps: the step count (dcgan) or cap (progressive); null: the schedule decides.</summary>
    public long? StepLimit { get; }

    public bool ResetOptimizerOnGrow { get; }

    /// <summary>The plan before step 1. A progressive run's first phase is announced as a decision for step 1.</summary>
    public PlanState Start()
    {
        var states = Engine.InitialStates();
        var next = PlanFor(1, 0, states);
        var pending = new List<Decision>();
        if (Schedule.IsProgressive) pending.Add(PhaseStart(next));
        return new PlanState(next, states, pending);
    }

    /// <summary>The plan for step <paramref name="step"/> that starts after <paramref name="images"/> images.</summary>
    public StepPlan PlanFor(long step, long images, IReadOnlyList<PolicyState> policyStates)
    {
        var point = Schedule.At(images);
        var controls = Engine.Apply(policyStates, new Controls(point.LrG, point.LrD));
        return new StepPlan(step, images, point.Phase.Index, point.Resolution, point.Kind, point.Alpha, point.BatchSize,
            controls.LrG, controls.LrD, controls.UpdateD);
    }

    /// <summary>
    /// Folds step s's all-reduced statistics into the plan. <paramref name="worldSize"/> ranks each trained
    /// <c>Next.BatchSize</c> images in step s.
    /// </summary>
    public PlanState Advance(PlanState state, StepSignals signals, int worldSize)
    {
        var current = state.Next;
        if (signals.Step != current.Step)
            throw new ArgumentException($"statistics of step {signals.Step} given to the plan for step {current.Step}", nameof(signals));
        if (worldSize <= 0) throw new ArgumentOutOfRangeException(nameof(worldSize));
        long images = current.Images + (long)current.BatchSize * worldSize;
        long step = current.Step + 1;
        var scheduledNow = Scheduled(current.Images);
        var (states, triggers) = Engine.Observe(state.Policies, signals, scheduledNow);
        var next = PlanFor(step, images, states);

        var decisions = new List<Decision>();
        if (next.PhaseIndex != current.PhaseIndex)
        {
            if (next.Resolution != current.Resolution)
                decisions.Add(new ResolutionGrown(step, current.Resolution, next.Resolution, images, ResetOptimizerOnGrow));
            decisions.Add(PhaseStart(next));
        }
        Attribute(decisions, step, images, current, state.Policies, states, triggers);
        return new PlanState(next, states, decisions);
    }

    /// <summary>
    /// Names the cause of every control change from step s to s + 1: first the schedule (new resolution,
    /// new progressive.lr) with the old policy states, then each policy's new state in order.
    /// </summary>
    void Attribute(List<Decision> into, long step, long images, StepPlan current, IReadOnlyList<PolicyState> before,
        IReadOnlyList<PolicyState> after, IReadOnlyList<Trigger?> triggers)
    {
        var scheduled = Scheduled(images);
        var mixed = before.ToArray();
        var previous = current.Controls;
        var controls = Engine.Apply(mixed, scheduled);
        var point = Schedule.At(images);
        Diff(into, step, previous, controls, "schedule", new Trigger("images", images,
            $"{(point.Kind == PhaseKind.FadeIn ? "fade-in" : "stable")} phase at {point.Resolution.ToString(CultureInfo.InvariantCulture)}"));
        for (int i = 0; i < mixed.Length; i++)
        {
            if (ReferenceEquals(mixed[i], after[i]) || mixed[i] == after[i]) continue;
            mixed[i] = after[i];
            var changed = Engine.Apply(mixed, scheduled);
            Diff(into, step, controls, changed, Engine.Policies[i].Kind, triggers[i] ?? new Trigger("", double.NaN, "policy state changed"));
            controls = changed;
        }
    }

    static void Diff(List<Decision> into, long step, Controls old, Controls now, string source, Trigger why)
    {
        if (old.LrG != now.LrG) into.Add(new LearningRateChanged(step, "g", old.LrG, now.LrG, source, why.Statistic, why.Value, why.Reason));
        if (old.LrD != now.LrD) into.Add(new LearningRateChanged(step, "d", old.LrD, now.LrD, source, why.Statistic, why.Value, why.Reason));
        if (old.UpdateD != now.UpdateD) into.Add(new DSkipChanged(step, !now.UpdateD, source, why.Statistic, why.Value, why.Reason));
    }

    Controls Scheduled(long images)
    {
        var point = Schedule.At(images);
        return new Controls(point.LrG, point.LrD);
    }

    PhaseStarted PhaseStart(StepPlan plan) =>
        new(plan.Step, plan.Resolution, plan.Phase, plan.Alpha, plan.BatchSize, plan.Images, Schedule.Phases[plan.PhaseIndex].Images);

    /// <summary>True when no step remains: spec.steps reached, or (progressive) the last stabilise phase done.</summary>
    public bool IsFinished(PlanState state) =>
        (StepLimit is { } cap && state.CompletedSteps >= cap) ||
        (Schedule.IsProgressive && state.Images >= Schedule.TotalImages);

    /// <summary>The step at which the run will end with <paramref name="worldSize"/> ranks (for progress bars and ETAs).</summary>
    public long TotalSteps(PlanState state, int worldSize)
    {
        long? scheduleEnd = Schedule.StepsToFinish(state.Images, worldSize) is { } left ? state.CompletedSteps + left : null;
        return (StepLimit, scheduleEnd) switch
        {
            ({ } cap, { } end) => Math.Min(cap, end),
            ({ } cap, null) => cap,
            (null, { } end) => end,
            _ => long.MaxValue,
        };
    }

    /// <summary>
    /// A checkpointed plan state under this plan's spec (which may differ after resume --force): the next step's
    /// plan is derived again from the saved policy states and image count; the saved pending decisions stand.
    /// A changed policy list restarts the policies from their initial states.
    /// </summary>
    public PlanState Rebase(PlanState saved)
    {
        var states = saved.Policies.Count == Engine.Policies.Count && saved.Policies.Select((s, i) => Fits(Engine.Policies[i], s)).All(x => x)
            ? saved.Policies
            : Engine.InitialStates();
        return saved with { Next = PlanFor(saved.Next.Step, saved.Next.Images, states), Policies = states };
    }

    static bool Fits(Policy policy, PolicyState state) => policy.InitialState.GetType() == state.GetType();

    /// <summary>The plan state of a run that has done <paramref name="steps"/> steps and shown <paramref name="images"/>
    /// images without a saved plan (a checkpoint from before plans existed): policies start fresh.</summary>
    public PlanState At(long steps, long images) => new(PlanFor(steps + 1, images, Engine.InitialStates()), Engine.InitialStates(), []);
}
