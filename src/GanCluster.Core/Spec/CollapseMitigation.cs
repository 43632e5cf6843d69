namespace GanCluster.Core.Spec;

/// <summary>
/// One change applied at a collapse rollback, picked by its <c>kind</c>. Other branches add kinds (skip-d,
/// minibatch-stddev group) as new subclasses listed here.
/// </summary>
[SpecKinds("kind", "scale_lr", typeof(ScaleLrMitigation), "rescue", typeof(RescueMitigation))]
public abstract class CollapseMitigation : ISpecSection
{
    public abstract void Validate(SpecProblems problems, string path);
}
