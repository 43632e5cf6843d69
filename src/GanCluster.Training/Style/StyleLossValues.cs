namespace GanCluster.Training.Style;

/// <summary>The weighted loss terms at one evaluation; <see cref="Total"/> is their sum, the quantity minimised.</summary>
public sealed record StyleLossValues(double Content, double Style, double TotalVariation)
{
    public double Total => Content + Style + TotalVariation;

    public override string ToString() => $"content {Content:G4} style {Style:G4} tv {TotalVariation:G4} total {Total:G4}";
}
