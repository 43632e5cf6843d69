using GanCluster.Core.Progressive;
using GanCluster.Core.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Memory;

/// <summary>
/// Estimates a run's memory before its first step and refuses, as a spec error (exit 2), a run that cannot fit the
/// machine: better one line naming the batch than an allocator failure an hour into a 1024 px run.
/// </summary>
public static class MemoryPlanner
{
    /// <summary>.NET, libtorch and the process's own tables before any tensor (measured: ~0.3-0.4 GB RSS for a tiny run).</summary>
    public const long RuntimeBytes = 400L << 20;

    /// <summary>Estimates, logs the estimate, and refuses a run that cannot fit this machine (see <see cref="CheckFits"/>).</summary>
    public static MemoryEstimate Plan(RunSpec spec, nn.Module<Tensor, Tensor> g, nn.Module<Tensor, Tensor> d, nn.Module<Tensor, Tensor>? gEma,
        Action<string>? log)
    {
        var estimate = Estimate(spec, g, d, gEma);
        log?.Invoke(estimate.ToString());
        CheckFits(spec, estimate, MachineMemory.LimitBytes());
        return estimate;
    }

    public static MemoryEstimate Estimate(RunSpec spec, nn.Module<Tensor, Tensor> g, nn.Module<Tensor, Tensor> d, nn.Module<Tensor, Tensor>? gEma)
    {
        long weights = (Parameters(g) + Parameters(d) + (gEma == null ? 0 : Parameters(gEma))) * sizeof(float);
        long trained = (Parameters(g) + Parameters(d)) * sizeof(float);
        // The stage that needs most: its activations per image times its batch (a progressive run's last stage, usually).
        var (perImage, batch, resolution) = new ProgressiveSchedule(spec).Phases
            .Select(p => (PerImage: ActivationShapes.BytesPerImage(spec.Model, p.Resolution), p.BatchSize, p.Resolution))
            .MaxBy(p => p.PerImage * p.BatchSize);
        long imageBytes = (long)spec.Model.Channels * resolution * resolution * sizeof(float);
        // The loader holds whole steps (every micro-batch); activations are one micro-batch's (accumulate).
        long data = (spec.Data.Prefetch + 1L) * batch * spec.Accumulate * imageBytes;
        return new MemoryEstimate(weights, 3 * trained, perImage, batch, resolution, data, RuntimeBytes);
    }

    /// <summary>Throws a <see cref="SpecException"/> naming the batch (or the widths) when the estimate exceeds <paramref name="limitBytes"/>.</summary>
    public static void CheckFits(RunSpec spec, MemoryEstimate estimate, long limitBytes)
    {
        if (estimate.TotalBytes <= limitBytes) return;
        bool activations = estimate.ActivationBytes >= estimate.WeightBytes + estimate.OptimizerBytes;
        string field = !activations ? (spec.Model.Arch == ModelArch.Dcgan ? "model.ngf" : "model.fmaps")
            : spec.Progressive?.BatchSize.ContainsKey(estimate.Resolution) == true ? $"progressive.batch_size.{estimate.Resolution}" : "batch_size";
        throw new SpecException(field,
            $"a run that fits this machine's {MemoryEstimate.Gib(limitBytes)} of memory ({estimate}; lower the batch size, widths or resolution)",
            $"an estimated {MemoryEstimate.Gib(estimate.TotalBytes)}");
    }

    static long Parameters(nn.Module<Tensor, Tensor> module) => module.parameters().Sum(p => p.numel());
}
