namespace GanCluster.Core.Spec;

/// <summary>Skip D's update while its loss is below a threshold, at most max_consecutive steps in a row.</summary>
public sealed class SkipDPolicySpec : PolicySpec
{
    [SpecDoc("skip the next D update when the all-reduced loss_d is below this")]
    public double Threshold { get; set; } = 0.3;

    [SpecDoc("at most this many D updates skipped in a row; then D is updated once")]
    public int MaxConsecutive { get; set; } = 5;

    public override void Validate(SpecProblems problems, string path) =>
        problems.Positive($"{path}.max_consecutive", MaxConsecutive);
}
