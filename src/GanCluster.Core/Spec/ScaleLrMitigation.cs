namespace GanCluster.Core.Spec;

/// <summary>
/// Multiplies the learning rates in effect before the rollback (so repeated rollbacks compound):
/// <c>{ kind: scale_lr, lr_g: 0.5, lr_d: 0.5 }</c>.
/// </summary>
public sealed class ScaleLrMitigation : CollapseMitigation
{
    [SpecDoc("factor for the generator's learning rate")]
    public double LrG { get; set; } = 0.5;

    [SpecDoc("factor for the discriminator's learning rate")]
    public double LrD { get; set; } = 0.5;

    public override void Validate(SpecProblems problems, string path)
    {
        problems.InRange($"{path}.lr_g", LrG, 1e-6, 10.0);
        problems.InRange($"{path}.lr_d", LrD, 1e-6, 10.0);
    }
}
