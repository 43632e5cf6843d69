// GanCluster.Bed: the multi-host test bed's own program. `nemesis` is `make nemesis`; the probes run on bed hosts.
using GanCluster.TestBed;
using GanCluster.TestBed.Network;
using GanCluster.TestBed.Tools;

return args.Length == 0 ? Usage() : args[0] switch
{
    "nemesis" => NemesisCommand.Run(args[1..]),
    "sweep" => Sweep(),
    HoldCommand.Name => HoldCommand.Run(args[1..]),
    TcpProbe.ListenCommand => TcpProbe.Listen(args[1..]),
    TcpProbe.ConnectCommand => TcpProbe.Connect(args[1..]),
    _ => Usage(),
};

static int Sweep()
{
    foreach (var ns in Bed.SweepStale()) Console.WriteLine($"removed {ns}");
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: GanCluster.Bed <command> [options]   (as root)
          nemesis [--seed S] [--faults K] [--steps N] [--trainers T] [--max-fault-seconds D] [--out DIR]
                    coordinator + T trainers on separate hosts, a seeded random fault schedule, the per-fault table
          sweep     remove the namespaces of test beds whose owner process is gone
          hold [--hosts N]
                    create a bed of N hosts and keep it until stdin closes (to look around with ip netns exec)
          probe-listen PORT[,PORT...] | probe-connect ADDRESS PORT [TIMEOUT_MS]
                    TCP probes that run on bed hosts
        """);
    return 2;
}
