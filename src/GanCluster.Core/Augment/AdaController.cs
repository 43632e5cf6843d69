namespace GanCluster.Core.Augment;

/// <summary>
/// ADA's feedback loop (Karras et al. 2020, "Training GANs with limited data", section 3): over every interval of
/// steps, r_t = E[sign(D(real))]; then p += sign(r_t - target) * (images in the interval) / adjust_images, clamped to
/// [0, 1]. An overfitting D (r_t above target) gets more augmentation, an underfitting one less. Pure: fed the
/// all-reduced r_t of each step, it computes the same p on every rank, after a resume and in a test.
/// </summary>
public sealed class AdaController(double target, long adjustImages, int interval)
{
    public double Target { get; } = target;

    public long AdjustImages { get; } = adjustImages;

    public int Interval { get; } = interval;

    /// <summary>
    /// Folds in one step's r_t (<paramref name="realSign"/>, averaged over all ranks) for a step that showed
    /// <paramref name="imagesPerStep"/> images over all ranks; at the end of an interval p moves.
    /// A non-finite r_t (a skipped, non-finite step) is left out.
    /// </summary>
    public AdaState Advance(AdaState state, double realSign, long imagesPerStep)
    {
        if (!double.IsFinite(realSign)) return state;
        state = state with { SignSum = state.SignSum + realSign, Steps = state.Steps + 1 };
        if (state.Steps < Interval) return state;
        double rt = state.SignSum / state.Steps;
        double adjust = Math.Sign(rt - Target) * (double)imagesPerStep * state.Steps / AdjustImages;
        return new AdaState { P = Math.Clamp(state.P + adjust, 0.0, 1.0) };
    }

    /// <summary>
    /// Whether p moved into another band of width <paramref name="band"/> (or to/from 0 or 1): such moves are
    /// events; every adjustment would flood events.jsonl (one per interval), and metrics.jsonl has every value.
    /// </summary>
    public static bool IsNotable(double before, double after, double band = 0.05)
    {
        if (before == after) return false;
        if (before == 0 || after == 0 || before == 1 || after == 1) return true;
        return Math.Floor(before / band) != Math.Floor(after / band);
    }
}
