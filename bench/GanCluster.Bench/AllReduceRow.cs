namespace GanCluster.Bench;

/// <summary>One row of an all-reduce table: the timed iterations (each the slowest rank's) of one implementation.</summary>
internal sealed record AllReduceRow(int Procs, string Name, List<double> Ms, long Payload, string Note = "", double CpuMs = double.NaN)
{
    public double Median => Percentile(0.5);

    public double Min => Ms.Min();

    double Percentile(double p)
    {
        var s = Ms.Order().ToArray();
        return s[(int)Math.Round(p * (s.Length - 1))];
    }

    /// <summary>Bus bandwidth: the bytes each rank must send, 2(n-1)/n of the payload, over the median time.</summary>
    public double BusGBs => 2.0 * (Procs - 1) / Procs * Payload / (Median / 1000) / 1e9;
}
