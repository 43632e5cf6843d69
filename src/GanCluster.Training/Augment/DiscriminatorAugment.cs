using GanCluster.Core.Spec;
using GanCluster.Training.Steps;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Augment;

/// <summary>
/// Augments what D sees (augment.kind): DiffAugment applies every op to every image; ADA applies each op to each
/// image with probability <see cref="P"/> (which the trainer sets from its <c>AdaController</c> before each step).
/// Real and fake images are augmented alike, each with its own draws. The draws are counter-based
/// (<see cref="StepRandom"/> with a stream per use): a resumed run draws what the uninterrupted one drew, and since
/// p is the same on every rank and gradients are averaged, replicas stay bit-identical (invariant 1).
/// </summary>
public sealed class DiscriminatorAugment(AugmentKind kind, IReadOnlyList<AugmentOp> ops)
{
    /// <summary>Which batch an augmentation is for: each draws from its own stream.</summary>
    public enum Use : ulong
    {
        RealForD = 0xA06_0001,
        FakeForD = 0xA06_0002,
        FakeForG = 0xA06_0003,
        RealForR1 = 0xA06_0004,
    }

    public AugmentKind Kind { get; } = kind;

    public IReadOnlyList<AugmentOp> Ops { get; } = ops;

    /// <summary>ADA's probability per op and image (diffaugment: always 1).</summary>
    public double P { get; set; }

    /// <summary>The probability each op is applied with: 1 for diffaugment, p for ada (metrics: augment_p).</summary>
    public double EffectiveP => Kind == AugmentKind.Diffaugment ? 1.0 : Kind == AugmentKind.Ada ? P : 0.0;

    /// <summary>The augmented batch (the input itself when nothing applies); differentiable in <paramref name="images"/>.</summary>
    public Tensor Apply(Tensor images, Use use, long seed, long step, int rank)
    {
        double p = EffectiveP;
        if (p <= 0 || Ops.Count == 0) return images;
        using var rng = StepRandom.For(seed, step, rank, (ulong)use);
        long b = images.shape[0];
        var x = images;
        foreach (var op in Ops)
        {
            var changed = op switch
            {
                AugmentOp.Translation => DiffAugmentOps.Translation(x, rng),
                AugmentOp.Cutout => DiffAugmentOps.Cutout(x, rng),
                AugmentOp.Color => DiffAugmentOps.Color(x, rng),
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
            };
            if (p >= 1)
            {
                x = changed;
                continue;
            }
            // ADA: this op on each image with probability p (a per-image switch keeps the gradient of both branches).
            using var threshold = p.ToScalar(); // kept alive for the call (ScalarOps)
            var on = rand([b], generator: rng).lt(threshold).to(x.dtype).to(x.device).view(b, 1, 1, 1);
            x = x + on * (changed - x);
        }
        return x;
    }
}
