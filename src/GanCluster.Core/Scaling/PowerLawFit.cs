namespace GanCluster.Core.Scaling;

/// <summary>
/// y ≈ c · x^exponent fitted by least squares on (log x, log y): how a measurement grows with the cluster's size
/// (exponent 0: flat, 1: linear). Points with x or y not above 0 are left out (a log has no value there).
/// </summary>
public sealed record PowerLawFit(double Exponent, double Coefficient, int Points)
{
    public static PowerLawFit Of(IReadOnlyList<(double X, double Y)> points)
    {
        var logs = points.Where(p => p.X > 0 && p.Y > 0 && double.IsFinite(p.X) && double.IsFinite(p.Y))
            .Select(p => (X: Math.Log(p.X), Y: Math.Log(p.Y))).ToList();
        if (logs.Select(p => p.X).Distinct().Count() < 2) return new PowerLawFit(double.NaN, double.NaN, logs.Count);
        double mx = logs.Average(p => p.X), my = logs.Average(p => p.Y);
        double sxy = logs.Sum(p => (p.X - mx) * (p.Y - my)), sxx = logs.Sum(p => (p.X - mx) * (p.X - mx));
        double slope = sxy / sxx;
        return new PowerLawFit(slope, Math.Exp(my - slope * mx), logs.Count);
    }

    /// <summary>The fitted value at <paramref name="x"/> (extrapolation beyond the points is the reader's risk).</summary>
    public double At(double x) => Coefficient * Math.Pow(x, Exponent);
}
