using GanCluster.Core.Spec;
using GanCluster.Training.Models.Progressive;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models.Msg;

/// <summary>
/// MSG-GAN's generator (Karnewar and Wang 2020, figure 2): ProGAN's generator at its last stage with a toRGB (1x1
/// conv, linear) after every block, 4x4 up to model.resolution, each an output that D reads. The layers are the
/// progressive network's (<see cref="ProgressiveGenerator"/>), which never grows here: every block trains from step 1.
/// <see cref="forward"/> returns the final image (samples, metrics, the collapse monitor); <see cref="Scales"/> all.
/// </summary>
public sealed class MsgGenerator : Module<Tensor, Tensor>, IMultiScaleGenerator
{
    readonly ProgressiveGenerator _net;

    public MsgGenerator(ModelSpec model, MsgSpec spec) : base(nameof(MsgGenerator))
    {
        _net = new ProgressiveGenerator(model, spec, ScalePyramid.Smallest) { Stage = ProgressiveStage.Stable(model.Resolution) };
        register_module("net", _net);
    }

    /// <summary>The network is registered by name in the constructor; reflection must not register the field again.</summary>
    protected override void RegisterComponents() { }

    public override Tensor forward(Tensor z) => _net.forward(z);

    public IReadOnlyList<Tensor> Scales(Tensor z) => _net.Scales(z);
}
