using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Models;
using GanCluster.Training.Models.Progressive;
using GanCluster.Core.Progressive;
using static TorchSharp.torch;

namespace GanCluster.Training.Sampling;

/// <summary>
/// The generator a checkpoint samples with: the EMA when the run kept one (progressive), else the generator;
/// a progressive generator is set to the checkpoint's stage (resolution and alpha of the next step).
/// </summary>
public static class SampleGenerator
{
    public static nn.Module<Tensor, Tensor> Load(TrainerSnapshot snapshot, RunSpec spec, Device device)
    {
        var g = GanModels.CreateGenerator(spec, device);
        string blob = snapshot.Files.ContainsKey(TrainerSnapshot.GeneratorEma) ? TrainerSnapshot.GeneratorEma : TrainerSnapshot.Generator;
        ModuleState.LoadInPlace(g, snapshot.Files[blob]);
        if (g is IProgressiveNetwork progressive && snapshot.ReadState().ReadPlan() is { } plan)
            progressive.Stage = new ProgressiveStage(plan.Next.Resolution, plan.Next.Phase == PhaseKind.FadeIn, plan.Next.Alpha);
        g.eval();
        return g;
    }
}
