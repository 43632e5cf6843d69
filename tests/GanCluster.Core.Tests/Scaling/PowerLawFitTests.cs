using GanCluster.Core.Scaling;

namespace GanCluster.Core.Tests.Scaling;

public class PowerLawFitTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(-0.5)]
    public void The_exponent_of_an_exact_power_law_is_found(double exponent)
    {
        var points = new[] { 8.0, 32, 64, 128 }.Select(n => (n, 3.0 * Math.Pow(n, exponent))).ToList();
        var fit = PowerLawFit.Of(points);
        Assert.Equal(exponent, fit.Exponent, 9);
        Assert.Equal(3.0, fit.Coefficient, 9);
        Assert.Equal(3.0 * Math.Pow(256, exponent), fit.At(256), 6);
    }

    [Fact]
    public void Points_without_a_logarithm_are_left_out_and_one_size_fits_nothing()
    {
        var fit = PowerLawFit.Of([(8, 2), (16, 4), (32, double.NaN), (64, 0)]);
        Assert.Equal(2, fit.Points);
        Assert.Equal(1.0, fit.Exponent, 9);
        Assert.True(double.IsNaN(PowerLawFit.Of([(8, 2)]).Exponent));
    }
}
