using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Tensors;

/// <summary>
/// TorchSharp's Adam with its update written over <see cref="ScalarOps"/>: the same arithmetic in the same order
/// (bit-identical results, same state and checkpoint format), but no temporary Scalar the GC could finalize while
/// libtorch still reads it (see <see cref="ScalarOps"/>). Supports what the trainer uses: no weight decay, no
/// AMSGrad, no maximize.
/// </summary>
public sealed class SafeAdam : Adam
{
    public SafeAdam(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2, double eps = 1e-8)
        : base(parameters, lr, beta1, beta2, eps)
    {
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        if (options.weight_decay is not (null or 0.0) || options.amsgrad == true || options.maximize == true)
            throw new NotSupportedException("SafeAdam supports plain Adam only (no weight decay, AMSGrad or maximize)");
        double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, eps = options.eps!.Value;
        double lr = options.LearningRate!.Value;
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue; // an inactive block: its state stays as it is
            var state = (State)_state[param.Handle];
            state.step += 1;
            double correction1 = 1 - Math.Pow(beta1, state.step);
            double correction2 = 1 - Math.Pow(beta2, state.step);
            state.exp_avg.TimesInPlace(beta1).AddScaledInPlace(grad, 1 - beta1);
            state.exp_avg_sq.TimesInPlace(beta2).AddcmulInPlace(grad, grad, 1 - beta2);
            var denominator = state.exp_avg_sq.sqrt().DividedBy(Math.Sqrt(correction2)).PlusInPlace(eps);
            param.AddcdivInPlace(state.exp_avg, denominator, -(lr / correction1));
        }
    }, closure);
}
