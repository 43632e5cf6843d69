using System.Globalization;

namespace GanCluster.TestBed.Nemesis;

/// <summary>
/// One entry of a fault schedule. <see cref="Target"/> is a selector resolved when the fault fires: a node name
/// ("coordinator", "trainer-2") or "oldest-trainer". It fires when the run reaches <see cref="AtStep"/> if set,
/// else <see cref="Gap"/> after the cluster healed from the previous fault. <see cref="Duration"/> is how long a
/// pause, partition or cap lasts (a kill has none).
/// </summary>
public sealed record PlannedFault(FaultKind Kind, string Target, TimeSpan Duration, TimeSpan Gap = default, long? AtStep = null,
    long BandwidthBitsPerSecond = 0)
{
    public const string OldestTrainer = "oldest-trainer";

    public override string ToString()
    {
        var when = AtStep is { } s ? $"at step {s}" : $"{Gap.TotalSeconds:F0} s after the cluster is healthy";
        var what = Kind switch
        {
            FaultKind.Kill => "SIGKILL",
            FaultKind.BandwidthCap => $"cap at {BandwidthBitsPerSecond / 1e6:G4} Mbit/s for {Seconds(Duration)}",
            _ => $"{Kind} for {Seconds(Duration)}",
        };
        return $"{what} of {Target}, {when}";
    }

    static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
}
