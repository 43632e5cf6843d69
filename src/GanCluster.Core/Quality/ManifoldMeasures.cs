namespace GanCluster.Core.Quality;

/// <summary>The k-NN manifold measures of a generated set against a real one (<see cref="ManifoldMetrics"/>).</summary>
/// <param name="Precision">Fraction of generated images inside the real manifold: falls when samples are poor.</param>
/// <param name="Recall">Fraction of real images inside the generated manifold: falls when modes are lost.</param>
/// <param name="Density">How many real k-NN balls a generated image is in, on average, divided by k (≈ 1 for real data; not bounded by 1).</param>
/// <param name="Coverage">Fraction of real images whose k-NN ball holds at least one generated image.</param>
public sealed record ManifoldMeasures(double Precision, double Recall, double Density, double Coverage);
