namespace GanCluster.Training.Style;

/// <summary>How much each loss term counts in the total: content, style (Gram), total variation.</summary>
public sealed record StyleWeights(double Content, double Style, double TotalVariation)
{
    public override string ToString() => $"content {Content:G4}, style {Style:G4}, tv {TotalVariation:G4}";
}
