using System.Globalization;
using GanCluster.TestBed.Network;

namespace GanCluster.TestBed.Tools;

/// <summary>
/// `GanCluster.TestBed hold [--hosts N]`: creates a bed of N hosts, prints each host's name, address and namespace,
/// and keeps it until stdin closes or a signal (for a human to look around with `ip netns exec`, and for the test
/// of the sweep, which kills this process and expects the sweep to remove what it left).
/// </summary>
public static class HoldCommand
{
    public const string Name = "hold";

    public static int Run(string[] args)
    {
        int hosts = args.Length >= 2 && args[0] == "--hosts" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        using var bed = Bed.Create();
        for (int i = 0; i < hosts; i++)
        {
            var h = bed.AddHost($"host-{i}");
            Console.WriteLine($"host {h.Name} {h.Address} {h.Namespace}");
        }
        Console.WriteLine($"ready {bed.Prefix}");
        using var stop = new ManualResetEventSlim();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Set(); };
        _ = Task.Run(() => { Console.In.ReadToEnd(); stop.Set(); });
        stop.Wait();
        return 0;
    }
}
