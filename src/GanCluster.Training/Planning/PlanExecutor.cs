using GanCluster.Core.Planning;
using GanCluster.Core.Policies;
using GanCluster.Core.Progressive;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;
using GanCluster.Training.Models;
using GanCluster.Training.Models.Msg;
using GanCluster.Training.Models.Progressive;
using GanCluster.Training.Steps;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Planning;

/// <summary>
/// Carries out the <see cref="TrainingPlan"/> on one replica. Before each step, <see cref="Begin"/> applies the
/// step's <see cref="StepPlan"/>: the decisions that take effect now are logged (and a growth with
/// reset_optimizer_on_grow resets Adam), the networks get the stage (resolution, alpha), the gradient buckets
/// follow the active blocks and the optimizers get the learning rates (the trainer sets the batch size, which
/// also depends on the world). After the
/// step, <see cref="End"/> folds the all-reduced statistics into the plan. Every replica does the same at the
/// same step, so replicas stay bit-identical; the plan state is checkpointed, so a resumed run continues exactly.
/// </summary>
public sealed class PlanExecutor
{
    readonly TrainingPlan _plan;
    readonly nn.Module<Tensor, Tensor> _g;
    readonly nn.Module<Tensor, Tensor> _d;
    readonly GeneratorEma? _ema;
    readonly OptimizerHelper _optG;
    readonly OptimizerHelper _optD;
    readonly GanStep _step;
    readonly Func<IEventSink?> _events;
    StepPlan? _applied;

    /// <param name="events">where decisions are logged: rank 0's event sink (it moves with rank 0), else null</param>
    public PlanExecutor(TrainingPlan plan, nn.Module<Tensor, Tensor> g, nn.Module<Tensor, Tensor> d, GeneratorEma? ema,
        OptimizerHelper optG, OptimizerHelper optD, GanStep step, Func<IEventSink?> events)
    {
        (_plan, _g, _d, _ema, _optG, _optD, _step, _events) = (plan, g, d, ema, optG, optD, step, events);
        State = plan.Start();
    }

    public TrainingPlan Plan => _plan;

    /// <summary>The plan state: the next step's plan, policy states, decisions pending for the next step.</summary>
    public PlanState State { get; private set; }

    public bool Finished => _plan.IsFinished(State);

    public long TotalSteps(int worldSize) => _plan.TotalSteps(State, worldSize);

    bool IsProgressive => _g is IProgressiveNetwork;

    /// <summary>Continues from a checkpointed plan state (re-derived under this run's spec).</summary>
    public void Restore(PlanState saved)
    {
        State = _plan.Rebase(saved);
        _applied = null;
    }

    /// <summary>
    /// Applies the next step's plan, its learning rates scaled by <paramref name="lrGScale"/> / <paramref name="lrDScale"/>
    /// (the collapse response's mitigation so far); returns it as applied.
    /// </summary>
    public StepPlan Begin(double lrGScale = 1, double lrDScale = 1)
    {
        var next = State.Next with { LrG = State.Next.LrG * lrGScale, LrD = State.Next.LrD * lrDScale };
        foreach (var decision in State.Pending)
        {
            _events()?.Write(decision.Step, new PlanDecisionEvent(decision));
            if (decision is ResolutionGrown { OptimizerReset: true })
            {
                ResetOptimizer(_optG);
                ResetOptimizer(_optD);
            }
        }
        if (IsProgressive) ApplyStage(next);
        SetLearningRate(_optG, next.LrG);
        SetLearningRate(_optD, next.LrD);
        _applied = next;
        return next;
    }

    /// <summary>
    /// This rank's real batch at the step's resolution (blended during a fade-in, as the generator's output is); for
    /// an MSG run, downsampled to every scale and packed as the generator's output is.
    /// </summary>
    public Tensor Reals(Tensor images)
    {
        var plan = _applied ?? throw new InvalidOperationException("Begin() first");
        if (_g is IMultiScaleGenerator) return ScalePyramid.Reals(images);
        if (!IsProgressive || images.shape[2] == plan.Resolution && plan.Phase == PhaseKind.Stable) return images;
        return ProgressiveOps.Reals(images, plan.Resolution, plan.Alpha, plan.Phase == PhaseKind.FadeIn);
    }

    /// <summary>Folds step s's statistics (all-reduced, identical on every rank) into the plan.</summary>
    public void End(StepStats stats, int worldSize)
    {
        var signals = new StepSignals(stats.Step, stats.LossD, stats.LossG, stats.DReal, stats.DFake, stats.RealSign, stats.DUpdated, stats.GUpdated);
        State = _plan.Advance(State, signals, worldSize);
    }

    void ApplyStage(StepPlan plan)
    {
        var stage = new ProgressiveStage(plan.Resolution, plan.Phase == PhaseKind.FadeIn, plan.Alpha);
        bool blocksChanged = _applied is not { } before || before.Resolution != plan.Resolution || before.Phase != plan.Phase;
        foreach (var network in new[] { _g, _d, _ema?.Model })
            if (network is IProgressiveNetwork p) p.Stage = stage;
        if (blocksChanged)
            _step.UseParameters(((IProgressiveNetwork)_g).ActiveParameters(), ((IProgressiveNetwork)_d).ActiveParameters());
    }

    /// <summary>Fresh Adam state (step 0, zero moments) for every parameter, in place: the same on every replica.</summary>
    internal static void ResetOptimizer(OptimizerHelper optimizer)
    {
        var dict = optimizer.state_dict();
        for (int group = 0; group < dict.Options.Count; group++)
            foreach (int index in dict.StateIndexRef[group])
                dict.State[index].Initialize(dict.Options[group]);
    }

    public static void SetLearningRate(OptimizerHelper optimizer, double lr)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
    }
}
