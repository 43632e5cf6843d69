using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>
/// Neural style transfer (Gatys, Ecker and Bethge 2016): optimise the pixels of an image so that a frozen
/// CNN's features match the content image at the content layers, its Gram matrices match the style image's
/// at the style layers, and neighbouring pixels stay close (total variation).
/// </summary>
public static class StyleTransfer
{
    /// <param name="content">[1, 3, H, W] in [0, 1]: fixes the output's size and layout.</param>
    /// <param name="style">[1, 3, H', W'] in [0, 1]: any size; only its Gram matrices are used.</param>
    /// <param name="onStep">Called after every step with the losses evaluated in that step.</param>
    /// <param name="cancel">Stops after the current step; the image so far is returned.</param>
    public static StyleResult Run(IStyleFeatureExtractor extractor, Tensor content, Tensor style, StyleTransferOptions options,
        Action<StyleStepReport>? onStep = null, CancellationToken cancel = default)
    {
        if (options.Steps < 1) throw new ArgumentOutOfRangeException(nameof(options), "Steps must be at least 1");
        var weights = options.Weights ?? extractor.DefaultWeights;
        using var runScope = NewDisposeScope();

        // Targets, fixed for the whole run.
        Tensor[] contentTargets, styleGrams;
        int styleLayers;
        using (no_grad())
        {
            var c = extractor.Extract(content);
            contentTargets = c.Content.Select(t => t.detach()).ToArray();
            styleGrams = extractor.Extract(style).Style.Select(GramMatrix.Of).ToArray();
            // The random extractor's pyramid can have fewer levels on a small image: compare the levels both have.
            styleLayers = Math.Min(styleGrams.Length, c.Style.Count);
            styleGrams = styleGrams[..styleLayers];
        }

        var image = new Parameter(StartImage(content, options), requires_grad: true);
        double lr = options.LearningRate ?? (options.Optimizer == StyleOptimizer.Lbfgs ? 1.0 : 0.02);
        // L-BFGS with max_iter 1: one loss evaluation and one update per step() (its history carries over
        // between calls), so a step costs the same for both optimisers and the progress bar counts evaluations.
        // Tolerances 0: its defaults (1e-5 on the gradient) would stop it before the first update, since
        // per-pixel gradients of mean-based losses are tiny; the step count decides when to stop.
        double lbfgsLr = lr;
        optim.Optimizer NewOptimizer() => options.Optimizer == StyleOptimizer.Lbfgs
            ? optim.LBFGS([image], lr: lbfgsLr, max_iter: 1, tolerange_grad: 0, tolerance_change: 0, history_size: 50)
            : optim.Adam([image], lr: lr);
        var optimizer = NewOptimizer();

        (Tensor Total, StyleLossValues Values) Evaluate()
        {
            var features = extractor.Extract(image);
            var contentLoss = StyleLosses.Content(features.Content, contentTargets) * weights.Content;
            var styleLoss = StyleLosses.Style(features.Style.Take(styleLayers).ToList(), styleGrams) * weights.Style;
            var tvLoss = StyleLosses.TotalVariation(image) * weights.TotalVariation;
            var total = contentLoss + styleLoss + tvLoss;
            return (total, new StyleLossValues(contentLoss.item<float>(), styleLoss.item<float>(), tvLoss.item<float>()));
        }

        // TorchSharp's L-BFGS has no line search, so on these far-from-quadratic losses (Gram matrices are
        // quartic in the pixels) a step can overshoot by orders of magnitude, leaving a useless curvature pair
        // in its history. A crude stand-in for a line search: keep the best image seen; on a blow-up, go back
        // to it and restart with a fresh history and a 100x shorter step, which then doubles back towards the
        // requested learning rate after every step that was not a blow-up. A step that does not move at all
        // also restarts the history (see below).
        var best = image.detach().clone();
        StyleLossValues? initial = null, bestValues = null;
        double objectiveScale = 0;
        int restarts = 0;
        double previousTotal = double.NaN;
        bool stalledAgain = false;
        var clock = Stopwatch.StartNew();
        int step = 0;
        while (step < options.Steps && !cancel.IsCancellationRequested)
        {
            using var stepScope = NewDisposeScope(); // one scope per iteration: memory stays flat
            StyleLossValues values = null!;
            optimizer.step(() =>
            {
                optimizer.zero_grad();
                var (total, v) = Evaluate();
                // The optimiser sees the total rescaled to ObjectiveStart at the first step: the minimiser is the
                // same, but step sizes and L-BFGS's curvature test (an absolute 1e-10) no longer depend on the
                // weights' overall scale, so only their ratios matter.
                if (objectiveScale == 0) objectiveScale = v.Total > 0 && double.IsFinite(v.Total) ? ObjectiveStart / v.Total : 1;
                var objective = total * objectiveScale;
                objective.backward();
                values = v;
                if (bestValues == null || v.Total < bestValues.Total)
                {
                    using (no_grad()) best.copy_(image);
                    bestValues = v;
                }
                // Detached: TorchSharp's native step never frees the handle of the tensor a closure returns,
                // so hand it a graph-free scalar (one small tensor per step) rather than the whole graph.
                return objective.detach();
            });
            // Adam: stay a displayable image (as the PyTorch tutorial does). L-BFGS is left unclamped: clamping
            // moves the image off the step it took, which corrupts its curvature pairs; the output is clipped.
            if (options.Optimizer == StyleOptimizer.Adam) using (no_grad()) image.clamp_(0, 1);
            else if (values.Total > RestartFactor * bestValues!.Total || !double.IsFinite(values.Total))
            {
                using (no_grad()) image.copy_(best);
                optimizer.Dispose();
                lbfgsLr = Math.Max(lbfgsLr * 0.01, lr * 1e-6);
                optimizer = NewOptimizer();
                restarts++;
            }
            else if (values.Total == previousTotal)
            {
                // No movement at all: the native step returned without an update (its direction was not downhill)
                // and with an unchanged gradient it would do so forever. Forget the history once; if a fresh
                // start does not move either, this is a minimum (for float32): stop.
                if (stalledAgain) break;
                optimizer.Dispose();
                optimizer = NewOptimizer();
                restarts++;
                stalledAgain = true;
            }
            else if (lbfgsLr < lr)
            {
                lbfgsLr = Math.Min(lr, lbfgsLr * 2);
                ((LBFGS)optimizer).LearningRate = lbfgsLr;
            }
            if (values.Total != previousTotal) stalledAgain = false;
            previousTotal = values.Total;
            step++;
            initial ??= values;
            onStep?.Invoke(new StyleStepReport(step, options.Steps, values, clock.Elapsed));
        }

        optimizer.Dispose();

        // The image written is clipped to [0, 1]: report the losses of exactly that image, the last or the best one.
        StyleLossValues final;
        using (NewDisposeScope())
        using (no_grad())
        {
            image.clamp_(0, 1);
            final = Evaluate().Values;
            if (bestValues != null && bestValues.Total < final.Total)
            {
                var last = image.clone();
                image.copy_(best).clamp_(0, 1);
                var bestClipped = Evaluate().Values;
                if (bestClipped.Total < final.Total) final = bestClipped;
                else image.copy_(last);
            }
        }
        var result = image.detach().clone().MoveToOuterDisposeScope();
        bool stopped = cancel.IsCancellationRequested && step < options.Steps;
        return new StyleResult(result, initial ?? final, final, step, clock.Elapsed, stopped, restarts);
    }

    /// <summary>An L-BFGS step that makes the loss this many times the best so far counts as a blow-up.</summary>
    public const double RestartFactor = 2;

    /// <summary>The value the optimised objective starts from (see the closure in <see cref="Run"/>).</summary>
    public const double ObjectiveStart = 1000;

    static Tensor StartImage(Tensor content, StyleTransferOptions options)
    {
        if (options.Init == StyleInit.Content) return content.detach().clone();
        using var rng = new Generator((ulong)options.Seed);
        return rand(content.shape, generator: rng, dtype: content.dtype).to(content.device); // CPU generator: same noise on any device
    }
}
