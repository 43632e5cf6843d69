using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using GanCluster.Core.Collapse;
using GanCluster.Core.Quality;

namespace GanCluster.Core.Tests.Quality;

/// <summary>
/// The quality measures against an independent reference computed in the test: reference_quality.py (numpy, and
/// scipy's Schur-based <c>sqrtm</c> for FID instead of our eigendecompositions), on the same features.
/// `make test` installs Debian's python3-scipy (build/scripts/deps.sh).
/// </summary>
public class QualityReferenceTests
{
    [Theory]
    [InlineData(16, 300, 300, 1)]   // more images than dimensions
    [InlineData(64, 50, 50, 2)]     // covariances of rank 49 in 64 dimensions: the square root of a singular product
    public void Fid_kid_and_the_knn_measures_match_scipy_on_the_same_features(int dims, int nReal, int nFake, int seed)
    {
        var real = Correlated(nReal, dims, seed, shift: 0);
        var fake = Correlated(nFake, dims, seed + 100, shift: 0.3);
        var expected = RunReference(real, fake, k: 3);

        // One KID subset of all images (equal set sizes): the full-set unbiased estimate the reference computes.
        var options = new QualityOptions(NearestK: 3, KidSubsets: 1, KidSubsetSize: int.MaxValue);
        var m = new QualityReference("test", real, options).Measure(fake);

        Assert.Equal(expected["fid"]!.GetValue<double>(), m.Fid, Tolerance(expected["fid"]!.GetValue<double>(), 1e-7));
        Assert.Equal(expected["kid"]!.GetValue<double>(), m.Kid, Tolerance(expected["kid"]!.GetValue<double>(), 1e-9));
        Assert.Equal(0, m.KidStd);
        Assert.Equal(expected["precision"]!.GetValue<double>(), m.Manifold.Precision, 12);
        Assert.Equal(expected["recall"]!.GetValue<double>(), m.Manifold.Recall, 12);
        Assert.Equal(expected["density"]!.GetValue<double>(), m.Manifold.Density, 12);
        Assert.Equal(expected["coverage"]!.GetValue<double>(), m.Manifold.Coverage, 12);
        // The sets differ, so none of this is trivially 0 or 1.
        Assert.True(m.Fid > 0.1 && m.Manifold.Precision < 1 && m.Manifold.Recall < 1);
    }

    static double Tolerance(double value, double relative) => Math.Max(Math.Abs(value) * relative, 1e-12);

    /// <summary>Gaussian features with a random full covariance (x = A z + shift), so FID's cross term matters.</summary>
    static FeatureMatrix Correlated(int n, int dims, int seed, double shift)
    {
        var rng = new Random(seed);
        var mix = new double[dims, dims];
        for (int i = 0; i < dims; i++)
            for (int j = 0; j < dims; j++) mix[i, j] = Gaussian(rng) / Math.Sqrt(dims) + (i == j ? 1 : 0);
        var data = new float[n * dims];
        var z = new double[dims];
        for (int r = 0; r < n; r++)
        {
            for (int j = 0; j < dims; j++) z[j] = Gaussian(rng);
            for (int i = 0; i < dims; i++)
            {
                double v = shift;
                for (int j = 0; j < dims; j++) v += mix[i, j] * z[j];
                data[r * dims + i] = (float)v;
            }
        }
        return new FeatureMatrix(data, n, dims);
    }

    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    static JsonObject RunReference(FeatureMatrix real, FeatureMatrix fake, int k)
    {
        string dir = Directory.CreateTempSubdirectory("gc-quality-ref-").FullName;
        try
        {
            string realFile = Path.Combine(dir, "real.txt"), fakeFile = Path.Combine(dir, "fake.txt");
            File.WriteAllText(realFile, ToText(real));
            File.WriteAllText(fakeFile, ToText(fake));
            // Debian's python3 first: python3-scipy installs there (a python3 earlier on PATH may lack it).
            var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Quality", "reference_quality.py"), realFile, fakeFile, k.ToString(CultureInfo.InvariantCulture) })
                start.ArgumentList.Add(a);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start python3");
            string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
            if (!process.WaitForExit(120_000)) { process.Kill(); throw new TimeoutException("reference_quality.py took over 2 minutes"); }
            Assert.True(process.ExitCode == 0, $"reference_quality.py failed (needs python3-numpy and python3-scipy: build/scripts/deps.sh python3-scipy): {stderr}");
            return JsonNode.Parse(stdout)!.AsObject();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The float features exactly as the C# side reads them ("R" round-trips a float through double).</summary>
    static string ToText(FeatureMatrix m)
    {
        var text = new StringBuilder();
        for (int r = 0; r < m.Rows; r++)
        {
            var row = m.Row(r);
            for (int c = 0; c < row.Length; c++) text.Append(c == 0 ? "" : " ").Append(((double)row[c]).ToString("R", CultureInfo.InvariantCulture));
            text.Append('\n');
        }
        return text.ToString();
    }
}
