namespace GanCluster.Training.Style;

/// <summary>Progress after one optimisation step: the losses evaluated in that step (before its update).</summary>
public sealed record StyleStepReport(int Step, int TotalSteps, StyleLossValues Losses, TimeSpan Elapsed)
{
    public double StepsPerSecond => Elapsed.TotalSeconds > 0 ? Step / Elapsed.TotalSeconds : 0;
}
