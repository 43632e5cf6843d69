using System.Text.Json.Nodes;
using GanCluster.Core.Augment;
using GanCluster.Core.Collapse;
using GanCluster.Core.Runs.Events;
using GanCluster.Core.Spec;
using GanCluster.Training.Regularization;
using GanCluster.Training.Steps;

namespace GanCluster.Training.Augment;

/// <summary>
/// What D trains with beyond the loss, step by step: the augmentation of its inputs (augment.*) with ADA's p and its
/// controller, and the R1 penalty (regularization.r1_*), each raised by the collapse response's rescue
/// (<see cref="CollapseResponseState.RescueP"/>, <see cref="CollapseResponseState.RescueR1Gamma"/>). It is fed only
/// numbers that are the same on every rank (the all-reduced r_t, the response state), so every replica configures
/// the same step; its state is part of state.json, so a resume continues p exactly.
/// </summary>
public sealed class DiscriminatorRegime
{
    readonly AugmentSpec _augment;
    readonly RegularizationSpec _regularization;
    readonly AdaController _controller;
    AdaState _ada;
    int _rescueApplied; // the response state's rollbacks + rescues when its p floor was last applied

    public DiscriminatorRegime(RunSpec spec)
    {
        (_augment, _regularization) = (spec.Augment, spec.Regularization);
        _controller = new AdaController(_augment.Target, _augment.AdjustImages, _augment.Interval);
        _ada = new AdaState { P = _augment.P };
    }

    /// <summary>ADA's p now (whether or not ADA is on).</summary>
    public double P => _ada.P;

    /// <summary>
    /// Sets up <paramref name="step"/> for the coming step <paramref name="stepNumber"/>: the augmentation (ADA when the
    /// spec or a rescue asks for it) with its p, and R1 at the larger of the spec's gamma and the rescue's. Returns the
    /// augment_p_changed event when a rescue's floor raised p.
    /// </summary>
    public AugmentPChangedEvent? Configure(GanStep step, CollapseResponseState response)
    {
        AugmentPChangedEvent? raised = null;
        int decisions = response.Rollbacks + response.Rescues;
        if (response.RescueP > 0 && decisions > _rescueApplied)
        {
            _rescueApplied = decisions;
            double before = _ada.P;
            _ada = _ada with { P = Math.Max(before, response.RescueP) };
            if (_ada.P != before) raised = new AugmentPChangedEvent(before, _ada.P, double.NaN, _augment.Target, "rescue");
        }
        var kind = _augment.Kind == AugmentKind.None && response.RescueP > 0 ? AugmentKind.Ada : _augment.Kind;
        if (kind == AugmentKind.None) step.Augment = null;
        else
        {
            if (step.Augment?.Kind != kind) step.Augment = new DiscriminatorAugment(kind, _augment.Ops);
            step.Augment.P = _ada.P;
        }
        double gamma = Math.Max(_regularization.R1Gamma, response.RescueR1Gamma);
        if (gamma <= 0) step.R1 = null;
        else if (step.R1?.Gamma != gamma) step.R1 = new R1Penalty(gamma, _regularization.R1Every);
        return raised;
    }

    /// <summary>
    /// After a step under ADA: folds in its all-reduced r_t (<paramref name="stats"/>); returns the augment_p_changed event
    /// when p moved into another band.
    /// </summary>
    public AugmentPChangedEvent? Advance(GanStep step, StepStats stats, long imagesPerStep)
    {
        if (step.Augment?.Kind != AugmentKind.Ada) return null;
        var before = _ada;
        _ada = _controller.Advance(before, stats.RealSign, imagesPerStep);
        if (!AdaController.IsNotable(before.P, _ada.P)) return null;
        double rt = (before.SignSum + stats.RealSign) / (before.Steps + 1);
        return new AugmentPChangedEvent(before.P, _ada.P, rt, _augment.Target, "controller");
    }

    public JsonObject ToJson() => new() { ["ada"] = _ada.ToJson(), ["rescue_applied"] = _rescueApplied };

    /// <summary>Continues from a state.json's regime (null: a checkpoint without one starts from the spec).</summary>
    public void Restore(JsonNode? node)
    {
        _ada = AdaState.FromJson(node?["ada"]) ?? new AdaState { P = _augment.P };
        _rescueApplied = node?["rescue_applied"]?.GetValue<int>() ?? 0;
    }
}
